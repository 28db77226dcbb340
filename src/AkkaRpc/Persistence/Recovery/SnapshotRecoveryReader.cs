using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The snapshot store's recovery read (load the newest snapshot that fits the criteria) as a plain ADO.NET command on
/// <see cref="RecoveryConnections"/>, returning what Akka.Persistence.Sql's own read returns for the same row.
/// </summary>
internal sealed class SnapshotRecoveryReader(RecoveryConnections connections, RecoverySql.Snapshot sql, RecoveryPayloads payloads) : IDisposable
{
    /// <summary>A reader for the store configured by <paramref name="config"/>, or null for a provider it does not know.</summary>
    public static SnapshotRecoveryReader? For(SnapshotConfig config, RecoveryPayloads payloads, int readers)
    {
        var connections = RecoveryConnections.For(config.ProviderName, config.ConnectionString, readers);
        return connections is null ? null : new SnapshotRecoveryReader(connections, RecoverySql.For(config), payloads);
    }

    /// <summary>
    /// SqlSnapshotStore.LoadAsync: the snapshot with the highest sequence number of the id, limited by the criteria's
    /// <see cref="SnapshotSelectionCriteria.MaxSequenceNr"/> and <see cref="SnapshotSelectionCriteria.MaxTimeStamp"/>
    /// (each only when set, as the plugin; like the plugin, the minimums are not applied); null when none fits.
    /// </summary>
    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        connections.ReadAsync(async (connection, ct) =>
        {
            var bySequenceNr = criteria.MaxSequenceNr != long.MaxValue;
            var byTimestamp = criteria.MaxTimeStamp != DateTime.MaxValue;
            var command = (bySequenceNr, byTimestamp) switch
            {
                (false, false) => connection.Command(sql.Latest, RecoverySql.PersistenceId),
                (true, false) => connection.Command(sql.UpToSequenceNr, RecoverySql.PersistenceId, RecoverySql.To),
                (false, true) => connection.Command(sql.UpToTimestamp, RecoverySql.PersistenceId, RecoverySql.Timestamp),
                (true, true) => connection.Command(sql.UpToSequenceNrAndTimestamp, RecoverySql.PersistenceId, RecoverySql.To, RecoverySql.Timestamp),
            };
            command.Parameters[0].Value = persistenceId;
            var next = 1;
            if (bySequenceNr) command.Parameters[next++].Value = criteria.MaxSequenceNr;
            if (byTimestamp) command.Parameters[next].Value = criteria.MaxTimeStamp.Ticks;
            await using var row = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await row.ReadAsync(ct).ConfigureAwait(false) ? payloads.Snapshot(row, persistenceId) : null;
        }, cancellationToken);

    public void Dispose() => connections.Dispose();
}
