using System.Data.Common;
using System.Globalization;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The journal's recovery reads (highest sequence number, replay) as plain ADO.NET commands on
/// <see cref="RecoveryConnections"/>, returning what Akka.Persistence.Sql's own reads return for the same rows.
/// Highest-sequence-number lookups of entities starting at the same time share one query (<see cref="CoalescedLookups{T}"/>).
/// </summary>
internal sealed class JournalRecoveryReader : IDisposable
{
    private readonly RecoveryConnections _connections;
    private readonly RecoverySql.Journal _sql;
    private readonly RecoveryPayloads _payloads;
    private readonly CoalescedLookups<long> _highest;

    private JournalRecoveryReader(RecoveryConnections connections, RecoverySql.Journal sql, RecoveryPayloads payloads, CancellationToken stopping)
    {
        _connections = connections;
        _sql = sql;
        _payloads = payloads;
        _highest = new CoalescedLookups<long>(ReadHighestAsync, none: 0, RecoverySql.MaxIdsPerQuery, maxInFlight: connections.LookupsInFlight, stopping);
    }

    /// <summary>
    /// A reader for the plugin configured by <paramref name="config"/>, or null when the fast path does not apply
    /// (a provider it does not know, or the plugin's delete-compatibility mode, whose highest sequence number also
    /// reads a metadata table): the plugin's own reads then serve recovery.
    /// </summary>
    public static JournalRecoveryReader? For(JournalConfig config, RecoveryPayloads payloads, int readers, CancellationToken stopping)
    {
        if (config.DaoConfig.SqlCommonCompatibilityMode) return null;
        var connections = RecoveryConnections.For(config.ProviderName, config.ConnectionString, readers);
        return connections is null
            ? null
            : new JournalRecoveryReader(connections, RecoverySql.For(config, connections.False, connections.IdTable), payloads, stopping);
    }

    /// <summary>
    /// BaseByteArrayJournalDao.HighestSequenceNr: the largest sequence number stored for the id (deleted rows count:
    /// the plugin keeps the newest deleted row for this), above <paramref name="fromSequenceNr"/> when that is not 0;
    /// 0 when there is none. The largest number above <c>from</c> is the largest number if that is above <c>from</c>
    /// and none otherwise, so the shared query reads only the largest and the bound is applied here.
    /// </summary>
    public async Task<long> HighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        var highest = await _highest.LookupAsync(persistenceId, cancellationToken).ConfigureAwait(false);
        return highest > fromSequenceNr ? highest : 0;
    }

    private Task<IReadOnlyDictionary<string, LookupResult<long>>> ReadHighestAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        _connections.ReadAsync<IReadOnlyDictionary<string, LookupResult<long>>>(async (connection, ct) =>
        {
            var command = connection.Command(_sql.HighestSequenceNrs, RecoverySql.Ids);
            command.Parameters[0].Value = _connections.IdsValue(ids);
            var found = new Dictionary<string, LookupResult<long>>(ids.Count, StringComparer.Ordinal);
            await using var rows = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
            {
                if (rows.IsDBNull(1)) continue;
                found[rows.GetString(0)] = new LookupResult<long>(Convert.ToInt64(rows.GetValue(1), CultureInfo.InvariantCulture), null);
            }
            return found;
        }, cancellationToken);

    /// <summary>
    /// SqlWriteJournal.ReplayMessagesAsync: the first <paramref name="max"/> events of the id that are not deleted,
    /// from <paramref name="fromSequenceNr"/> to <paramref name="toSequenceNr"/> in sequence order, each handed to
    /// <paramref name="recoveryCallback"/> in turn. The plugin pages through them 1,000 rows per query inside an
    /// Akka.Streams graph; here one query streams them, as of one consistent read.
    /// </summary>
    public Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback, CancellationToken cancellationToken) =>
        _connections.ReadAsync(async (connection, ct) =>
        {
            var command = connection.Command(_sql.Replay, RecoverySql.PersistenceId, RecoverySql.From, RecoverySql.To, RecoverySql.Max);
            command.Parameters[0].Value = persistenceId;
            command.Parameters[1].Value = fromSequenceNr;
            command.Parameters[2].Value = toSequenceNr;
            command.Parameters[3].Value = Math.Max(0, max);
            await using DbDataReader rows = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
                recoveryCallback(_payloads.Event(rows, persistenceId, _sql.ReadsWriterUuid));
            return true;
        }, cancellationToken);

    public void Dispose() => _connections.Dispose();
}
