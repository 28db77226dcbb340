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
        _reader = SnapshotRecoveryReader.For(config, payloads,
            RecoveryConnections.ReadersFor(snapshotConfig.GetInt(FastRecoveryJournal.ReadersKey, 0), config.ProviderName),
            _stopping.Token);
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
