using System.Collections.Immutable;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Akka.Persistence.Sql's journal with its recovery reads (highest sequence number, replay) served by
/// <see cref="JournalRecoveryReader"/>: plain commands on reader connections of their own, off the journal actor's
/// thread, several at once. Everything else (schema, writes, deletes, configuration) stays the plugin's, and so do the
/// recovery reads whenever the fast path does not apply (see <see cref="JournalRecoveryReader.For"/>).
/// </summary>
public abstract class FastRecoveryJournal : SqlWriteJournal
{
    /// <summary>Plugin configuration key: recovery reads one node's journal runs at once.</summary>
    public const string ReadersKey = "akkarpc-recovery-readers";


    private readonly JournalRecoveryReader? _reader;
    private readonly HighestSequenceNrHints _hints;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    protected FastRecoveryJournal(Config journalConfig) : base(journalConfig)
    {
        // The same configuration object the plugin builds from the same block, for table, column and provider names.
        var config = new JournalConfig(journalConfig.WithFallback(SqlPersistence.DefaultJournalConfiguration));
        var payloads = new RecoveryPayloads(Context.System, config.DefaultSerializer);
        _reader = JournalRecoveryReader.For(config, payloads, RecoveryConnections.ReadersFor(journalConfig.GetInt(ReadersKey, 0), config.ProviderName),
            _stopping.Token);
        _hints = RecoveryHintsExtension.Get(Context.System).For(config);
    }

    /// <inheritdoc />
    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // Read on the journal's thread, before anything is awaited, like the plugin reads its own record.
        var writeFinished = _hints.Writes.Finished(persistenceId);
        if (writeFinished.IsCompleted)
        {
            if (_reader is null) return base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
            // Read with the snapshot a moment ago, and no write of the id since: the same answer without a round trip.
            return _hints.TryTake(persistenceId, out var highest)
                ? Task.FromResult(JournalRecoveryReader.Above(highest, fromSequenceNr))
                : _reader.HighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        }
        return AfterWriteAsync(writeFinished, persistenceId, fromSequenceNr, cancellationToken);
    }

    private async Task<long> AfterWriteAsync(Task writeFinished, string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        await writeFinished.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _reader is null
            ? await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken).ConfigureAwait(false)
            : await _reader.HighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task ReplayMessagesAsync(Akka.Actor.IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr,
        long max, Action<IPersistentRepresentation> recoveryCallback) =>
        _reader is null
            ? base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback)
            : _reader.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback, _stopping.Token);

    /// <summary>
    /// Records each write, whoever makes it (<see cref="WriteRowsAsync"/>), so a later highest-sequence-number read of
    /// that id waits for it: the plugin's own record only knows the writes that went through the plugin.
    /// </summary>
    protected sealed override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var batch = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var written = WriteRowsAsync(batch, cancellationToken);
        // The plugin keys its record by the batch's first persistence id: one persistent actor writes a batch.
        if (batch.Count > 0) _hints.WriteStarted(batch[0].PersistenceId, written);
        return written;
    }

    /// <summary>Writes one persistent actor's batch; the plugin's write path unless a subclass has a faster one.</summary>
    protected virtual Task<IImmutableList<Exception>> WriteRowsAsync(IReadOnlyList<AtomicWrite> messages, CancellationToken cancellationToken) =>
        base.WriteMessagesAsync(messages, cancellationToken);

    /// <inheritdoc />
    protected override void PostStop()
    {
        try
        {
            _stopping.Cancel();
            _reader?.Dispose();
            _stopping.Dispose();
        }
        finally
        {
            base.PostStop();
        }
    }
}
