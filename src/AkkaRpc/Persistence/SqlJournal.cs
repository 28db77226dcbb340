using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Journal;
using AkkaRpc.Persistence.Recovery;
using AkkaRpc.Persistence.Writes;

namespace AkkaRpc.Persistence;

/// <summary>
/// The journal plugin every AkkaRpc node runs: Akka.Persistence.Sql's <see cref="SqlWriteJournal"/> (its schema, its
/// configuration, its queries), as the class named in <c>akka.persistence.journal.sql.class</c>. It is a class of our
/// own so that hot paths the plugin serves through general machinery can be served directly where we measured a need;
/// everything not overridden here is the plugin's.
/// </summary>
/// <remarks>
/// Recovery reads: <see cref="FastRecoveryJournal"/>. Writes: with <c>akkarpc-batched-writes</c> on, the journal rows
/// of all entities go through <see cref="BatchedJournalWriter"/> (group commit, prepared statements, the plugin's tables
/// and row format) instead of the plugin's linq2db path, which cost ~0.6 ms of CPU per write (docs/performance.md,
/// "Durable path"). <see cref="FastRecoveryJournal"/> records every write either way, so an entity's
/// highest-sequence-number read waits for its write still in flight.
/// </remarks>
public class SqlJournal : FastRecoveryJournal
{
    /// <summary>HOCON key in the journal block: use <see cref="BatchedJournalWriter"/> for writes.</summary>
    internal const string BatchedWritesKey = "akkarpc-batched-writes";

    /// <summary>HOCON key in the journal block: the SQLite synchronous level of the writer's connection.</summary>
    internal const string SqliteSynchronousKey = "akkarpc-sqlite-synchronous";

    /// <summary>HOCON key in the journal block: WAL pages before the writer's connection checkpoints (0: SQLite's own).</summary>
    internal const string SqliteCheckpointPagesKey = "akkarpc-sqlite-checkpoint-pages";

    private readonly JournalWrites? _writes;

    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    public SqlJournal(Config journalConfig) : base(journalConfig)
    {
        _writes = JournalWrites.Create(journalConfig.WithFallback(SqlPersistence.DefaultJournalConfiguration), (ExtendedActorSystem)Context.System);
    }

    /// <inheritdoc />
    protected override Task<IImmutableList<Exception>> WriteRowsAsync(IReadOnlyList<AtomicWrite> messages, CancellationToken cancellationToken) =>
        _writes is null || messages.Count == 0 || !JournalRowSerializer.IsPlain(messages)
            ? base.WriteRowsAsync(messages, cancellationToken)
            : _writes.WriteAsync(messages);

    /// <inheritdoc />
    protected override void PostStop()
    {
        base.PostStop();
        // Writes still queued fail (the entities see a persist failure, as with the plugin's queue at shutdown).
        _writes?.Stop();
    }
}
