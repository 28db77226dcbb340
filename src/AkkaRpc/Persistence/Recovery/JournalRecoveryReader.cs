using System.Data.Common;
using System.Globalization;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The journal's recovery reads (highest sequence number, replay) as plain ADO.NET commands on
/// <see cref="RecoveryConnections"/>, returning what Akka.Persistence.Sql's own reads return for the same rows.
/// Highest-sequence-number lookups of entities starting at the same time share one query, and so do their replays
/// (<see cref="CoalescedLookups{TKey, T}"/>).
/// </summary>
internal sealed class JournalRecoveryReader : IDisposable
{
    private readonly RecoveryConnections _connections;
    private readonly RecoverySql.Journal _sql;
    private readonly RecoveryPayloads _payloads;
    private readonly CoalescedLookups<string, long> _highest;
    private readonly CoalescedLookups<ReplayRange, bool> _replays;

    private JournalRecoveryReader(RecoveryConnections connections, RecoverySql.Journal sql, RecoveryPayloads payloads, CancellationToken stopping)
    {
        _connections = connections;
        _sql = sql;
        _payloads = payloads;
        _highest = new CoalescedLookups<string, long>(ReadHighestAsync, none: 0, RecoverySql.MaxIdsPerQuery, maxInFlight: connections.LookupsInFlight, stopping);
        _replays = new CoalescedLookups<ReplayRange, bool>(ReplayRangesAsync, none: true, RecoverySql.MaxReplaysPerQuery, maxInFlight: connections.LookupsInFlight, stopping);
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
            : new JournalRecoveryReader(connections, RecoverySql.For(config, connections.False, connections.IdTable, connections.RangeTable), payloads, stopping);
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
        return Above(highest, fromSequenceNr);
    }

    /// <summary>The plugin's answer for an id whose largest stored sequence number is <paramref name="highest"/>.</summary>
    public static long Above(long highest, long fromSequenceNr) => highest > fromSequenceNr ? highest : 0;

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
    /// Akka.Streams graph; here one query streams them, as of one consistent read. A recovery asks for every event
    /// after its snapshot, so the count cannot cut its range, and replays of entities starting together share a query;
    /// a replay whose count would cut its range reads alone, with the count as the query's limit.
    /// </summary>
    public Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback, CancellationToken cancellationToken)
    {
        var countCuts = max <= 0 || (toSequenceNr >= fromSequenceNr && toSequenceNr - fromSequenceNr >= max);
        if (countCuts) return ReplayAloneAsync(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback, cancellationToken);
        var range = new ReplayRange(persistenceId, fromSequenceNr, toSequenceNr, recoveryCallback);
        return range.WhenReplayedAsync(_replays.LookupAsync(range, cancellationToken));
    }

    // Each request's events in order, to its own callback, and each request finished as soon as the rows move on to the
    // next. A row that cannot be deserialized, or a callback that throws, fails that request alone (its later rows are
    // skipped), as it would have failed its own query.
    private Task<IReadOnlyDictionary<ReplayRange, LookupResult<bool>>> ReplayRangesAsync(IReadOnlyList<ReplayRange> ranges, CancellationToken cancellationToken) =>
        _connections.ReadAsync<IReadOnlyDictionary<ReplayRange, LookupResult<bool>>>(async (connection, ct) =>
        {
            var command = connection.Command(_sql.ReplayRanges, _connections.RangeParameters);
            var values = _connections.RangeValues(ranges);
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
            var failed = new Dictionary<ReplayRange, LookupResult<bool>>();
            await using var rows = await connection.ExecuteAsync(command, ct).ConfigureAwait(false);
            var position = rows.FieldCount - 1;
            var next = 0; // requests before this one have had all their rows
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
            {
                var index = checked((int)rows.GetInt64(position));
                for (; next < index; next++) FinishUnlessFailed(ranges[next], failed);
                var range = ranges[index];
                if (failed.ContainsKey(range)) continue;
                try
                {
                    range.RecoveryCallback(_payloads.Event(rows, range.PersistenceId, _sql.ReadsWriterUuid));
                }
                catch (Exception e)
                {
                    failed[range] = new LookupResult<bool>(false, e);
                }
            }
            for (; next < ranges.Count; next++) FinishUnlessFailed(ranges[next], failed);
            return failed;
        }, cancellationToken);

    // A failed request is left to the query's per-request result, which carries its error.
    private static void FinishUnlessFailed(ReplayRange range, Dictionary<ReplayRange, LookupResult<bool>> failed)
    {
        if (!failed.ContainsKey(range)) range.Finish();
    }

    private Task ReplayAloneAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
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
