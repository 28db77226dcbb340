using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Journal;
using AkkaRpc.Persistence.Writes;

namespace AkkaRpc.Persistence;

/// <summary>
/// The journal plugin every AkkaRpc node runs: Akka.Persistence.Sql's <see cref="SqlWriteJournal"/> (its schema, its
/// configuration, its queries), as the class named in <c>akka.persistence.journal.sql.class</c>. It is a class of our
/// own so that hot paths the plugin serves through general machinery can be served directly where we measured a need;
/// everything not overridden here is the plugin's.
/// </summary>
/// <remarks>
/// Writes: with <c>akkarpc-batched-writes</c> on, the journal rows of all entities go through
/// <see cref="BatchedJournalWriter"/> (group commit, prepared statements, the plugin's tables and row format) instead
/// of the plugin's linq2db path, which cost ~0.6 ms of CPU per write (docs/performance.md, "Durable path").
/// </remarks>
public class SqlJournal : SqlWriteJournal
{
    /// <summary>HOCON key in the journal block: use <see cref="BatchedJournalWriter"/> for writes.</summary>
    internal const string BatchedWritesKey = "akkarpc-batched-writes";

    /// <summary>HOCON key in the journal block: the SQLite synchronous level of the writer's connection.</summary>
    internal const string SqliteSynchronousKey = "akkarpc-sqlite-synchronous";

    private readonly JournalWrites? _writes;
    private readonly WritesInProgress _inProgress = new();

    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    public SqlJournal(Config journalConfig) : base(journalConfig)
    {
        _writes = JournalWrites.Create(journalConfig.WithFallback(SqlPersistence.DefaultJournalConfiguration), (ExtendedActorSystem)Context.System);
    }

    /// <inheritdoc />
    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        if (_writes is null || writes.Count == 0 || !JournalRowSerializer.IsPlain(writes)) return base.WriteMessagesAsync(writes, cancellationToken);
        var task = _writes.WriteAsync(writes);
        _inProgress.Track(writes[0].PersistenceId, task, Self);
        return task;
    }

    /// <inheritdoc />
    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // A write of a previous incarnation may still be in flight: its row counts (the plugin waits the same way for
        // writes it made itself).
        await _inProgress.WaitFor(persistenceId).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not WritesInProgress.WriteDone done) return base.ReceivePluginInternal(message);
        _inProgress.Finished(done);
        return true;
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        base.PostStop();
        // Writes still queued fail (the entities see a persist failure, as with the plugin's queue at shutdown).
        _writes?.Stop();
    }
}
