using System.Globalization;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The snapshot store's recovery read (load the newest snapshot that fits the criteria) as a plain ADO.NET command on
/// <see cref="RecoveryConnections"/>, returning what Akka.Persistence.Sql's own read returns for the same row. Loads of
/// the latest snapshot (what every recovery asks unless told otherwise) of entities starting at the same time share
/// one query (<see cref="CoalescedLookups{TKey, T}"/>); other criteria read their id alone.
/// </summary>
internal sealed class SnapshotRecoveryReader : IDisposable
{
    private readonly RecoveryConnections _connections;
    private readonly RecoverySql.Snapshot _sql;
    private readonly RecoveryPayloads _payloads;
    private readonly HighestSequenceNrHints? _hints;
    private readonly CoalescedLookups<string, SelectedSnapshot?> _latest;

    private SnapshotRecoveryReader(RecoveryConnections connections, RecoverySql.Snapshot sql, RecoveryPayloads payloads,
        HighestSequenceNrHints? hints, CancellationToken stopping)
    {
        _connections = connections;
        _sql = sql;
        _payloads = payloads;
        _hints = sql.LatestWithHighestOfIds is null ? null : hints;
        _latest = new CoalescedLookups<string, SelectedSnapshot?>(ReadLatestAsync, none: null, RecoverySql.MaxIdsPerQuery, maxInFlight: connections.LookupsInFlight, stopping);
    }

    /// <summary>
    /// A reader for the store configured by <paramref name="config"/>, or null for a provider it does not know. With
    /// <paramref name="journal"/> (the journal on the same database) and its <paramref name="hints"/>, each load of the
    /// latest snapshot also reads the id's highest journal sequence number and leaves it in the hints for the
    /// journal's read that follows.
    /// </summary>
    public static SnapshotRecoveryReader? For(SnapshotConfig config, RecoveryPayloads payloads, int readers, JournalConfig? journal,
        HighestSequenceNrHints? hints, CancellationToken stopping)
    {
        var connections = RecoveryConnections.For(config.ProviderName, config.ConnectionString, readers);
        return connections is null
            ? null
            : new SnapshotRecoveryReader(connections, RecoverySql.For(config, connections.IdTable, hints is null ? null : journal), payloads, hints, stopping);
    }

    /// <summary>
    /// SqlSnapshotStore.LoadAsync: the snapshot with the highest sequence number of the id, limited by the criteria's
    /// <see cref="SnapshotSelectionCriteria.MaxSequenceNr"/> and <see cref="SnapshotSelectionCriteria.MaxTimeStamp"/>
    /// (each only when set, as the plugin; like the plugin, the minimums are not applied); null when none fits.
    /// </summary>
    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var bySequenceNr = criteria.MaxSequenceNr != long.MaxValue;
        var byTimestamp = criteria.MaxTimeStamp != DateTime.MaxValue;
        if (!bySequenceNr && !byTimestamp) return _latest.LookupAsync(persistenceId, cancellationToken);
        return _connections.ReadAsync(async (connection, ct) =>
        {
            var command = (bySequenceNr, byTimestamp) switch
            {
                (true, false) => connection.Command(_sql.UpToSequenceNr, RecoverySql.PersistenceId, RecoverySql.To),
                (false, true) => connection.Command(_sql.UpToTimestamp, RecoverySql.PersistenceId, RecoverySql.Timestamp),
                _ => connection.Command(_sql.UpToSequenceNrAndTimestamp, RecoverySql.PersistenceId, RecoverySql.To, RecoverySql.Timestamp),
            };
            command.Parameters[0].Value = persistenceId;
            var next = 1;
            if (bySequenceNr) command.Parameters[next++].Value = criteria.MaxSequenceNr;
            if (byTimestamp) command.Parameters[next].Value = criteria.MaxTimeStamp.Ticks;
            await using var row = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
            return await row.ReadAsync(ct).ConfigureAwait(false) ? _payloads.Snapshot(row, persistenceId) : null;
        }, cancellationToken);
    }

    // The newest snapshot of each id; a snapshot that cannot be deserialized fails its own id's load, not the others'.
    private Task<IReadOnlyDictionary<string, LookupResult<SelectedSnapshot?>>> ReadLatestAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        _hints is null ? ReadLatestOnlyAsync(ids, cancellationToken) : ReadLatestWithHighestAsync(ids, _hints, cancellationToken);

    private Task<IReadOnlyDictionary<string, LookupResult<SelectedSnapshot?>>> ReadLatestWithHighestAsync(IReadOnlyList<string> ids,
        HighestSequenceNrHints hints, CancellationToken cancellationToken) =>
        _connections.ReadAsync<IReadOnlyDictionary<string, LookupResult<SelectedSnapshot?>>>(async (connection, ct) =>
        {
            // Begun before the statement runs, so a write that commits after its read is seen by the hint (and drops it).
            var begun = new Dictionary<string, HighestSequenceNrHints.Hint>(ids.Count, StringComparer.Ordinal);
            foreach (var id in ids)
                if (hints.Begin(id) is { } hint) begun[id] = hint;
            try
            {
                var command = connection.Command(_sql.LatestWithHighestOfIds!, RecoverySql.Ids);
                command.Parameters[0].Value = _connections.IdsValue(ids);
                var found = new Dictionary<string, LookupResult<SelectedSnapshot?>>(ids.Count, StringComparer.Ordinal);
                await using var rows = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
                while (await rows.ReadAsync(ct).ConfigureAwait(false))
                {
                    var persistenceId = rows.GetString(5);
                    if (begun.Remove(persistenceId, out var hint))
                        hints.Complete(hint, rows.IsDBNull(6) ? 0 : Convert.ToInt64(rows.GetValue(6), CultureInfo.InvariantCulture));
                    if (rows.IsDBNull(0)) continue; // no snapshot: the lookup's "none"
                    try
                    {
                        found[persistenceId] = new LookupResult<SelectedSnapshot?>(_payloads.Snapshot(rows, persistenceId), null);
                    }
                    catch (RecoveryReadException e)
                    {
                        found[persistenceId] = new LookupResult<SelectedSnapshot?>(null, e);
                    }
                }
                return found;
            }
            finally
            {
                // Ids the statement did not answer for (it failed, or was cancelled) leave no hint behind.
                foreach (var hint in begun.Values) hints.Abandon(hint);
            }
        }, cancellationToken);

    private Task<IReadOnlyDictionary<string, LookupResult<SelectedSnapshot?>>> ReadLatestOnlyAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        _connections.ReadAsync<IReadOnlyDictionary<string, LookupResult<SelectedSnapshot?>>>(async (connection, ct) =>
        {
            var command = connection.Command(_sql.LatestOfIds, RecoverySql.Ids);
            command.Parameters[0].Value = _connections.IdsValue(ids);
            var found = new Dictionary<string, LookupResult<SelectedSnapshot?>>(ids.Count, StringComparer.Ordinal);
            await using var rows = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
            {
                var persistenceId = rows.GetString(5);
                try
                {
                    found[persistenceId] = new LookupResult<SelectedSnapshot?>(_payloads.Snapshot(rows, persistenceId), null);
                }
                catch (RecoveryReadException e)
                {
                    found[persistenceId] = new LookupResult<SelectedSnapshot?>(null, e);
                }
            }
            return found;
        }, cancellationToken);

    public void Dispose() => _connections.Dispose();
}
