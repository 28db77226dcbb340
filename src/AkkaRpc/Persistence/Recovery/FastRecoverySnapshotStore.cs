using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Akka.Persistence.Sql's snapshot store with its recovery read (load) served by <see cref="SnapshotRecoveryReader"/>:
/// a plain command on reader connections of its own, off the store actor's thread, several at once. Saves, deletes,
/// schema and configuration stay the plugin's, and so does loading for a provider the fast path does not know.
/// </summary>
public abstract class FastRecoverySnapshotStore : Akka.Persistence.Sql.Snapshot.SqlSnapshotStore
{
    private readonly SnapshotRecoveryReader? _reader;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Called by Akka.Persistence with the plugin's configuration block.</summary>
    protected FastRecoverySnapshotStore(Config snapshotConfig) : base(snapshotConfig)
    {
        var config = new SnapshotConfig(snapshotConfig.WithFallback(SqlPersistence.DefaultSnapshotConfiguration));
        var payloads = new RecoveryPayloads(Context.System, config.DefaultSerializer);
        var journal = SameDatabaseJournal(snapshotConfig.GetString(JournalPluginKey, null), config);
        _reader = SnapshotRecoveryReader.For(config, payloads,
            RecoveryConnections.ReadersFor(snapshotConfig.GetInt(FastRecoveryJournal.ReadersKey, 0), config.ProviderName),
            journal, journal is null ? null : RecoveryHintsExtension.Get(Context.System).For(journal),
            _stopping.Token);
    }

    /// <summary>
    /// Plugin configuration key: the configuration path of the journal these snapshots belong to
    /// (<c>akka.persistence.journal.sql</c>). When it keeps its events in the same database, a recovery's snapshot load
    /// also reads the highest sequence number the journal is asked for next (<see cref="HighestSequenceNrHints"/>).
    /// </summary>
    public const string JournalPluginKey = "akkarpc-journal-plugin";

    // The journal at that path if it is on the same provider and connection string and its highest sequence number is
    // the plain MAX over its table (not the delete-compatibility mode, which also reads a metadata table).
    private static JournalConfig? SameDatabaseJournal(string? journalPath, SnapshotConfig snapshots)
    {
        var system = Context.System.Settings.Config;
        if (string.IsNullOrWhiteSpace(journalPath) || !system.HasPath(journalPath)) return null;
        var journal = new JournalConfig(system.GetConfig(journalPath).WithFallback(SqlPersistence.DefaultJournalConfiguration));
        return !journal.DaoConfig.SqlCommonCompatibilityMode
               && string.Equals(journal.ProviderName, snapshots.ProviderName, StringComparison.Ordinal)
               && string.Equals(journal.ConnectionString, snapshots.ConnectionString, StringComparison.Ordinal)
            ? journal
            : null;
    }

    /// <inheritdoc />
    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        _reader is null
            ? base.LoadAsync(persistenceId, criteria, cancellationToken)
            : _reader.LoadAsync(persistenceId, criteria, cancellationToken);

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
