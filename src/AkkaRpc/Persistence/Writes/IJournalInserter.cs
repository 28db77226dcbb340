namespace AkkaRpc.Persistence.Writes;

/// <summary>One database's way of storing journal rows: all rows given in ONE transaction (one commit, one fsync).</summary>
internal interface IJournalInserter : IAsyncDisposable
{
    /// <summary>Stores every row of every write, or none (throws); returns once the commit is durable.</summary>
    Task InsertAsync(IReadOnlyList<JournalRowData[]> writes, CancellationToken cancellationToken);

    /// <summary>Drops the connection after a failure, so the next call starts on a fresh one.</summary>
    ValueTask ResetAsync();
}
