using System.Data.Common;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The journal's recovery reads (highest sequence number, replay) as plain ADO.NET commands on
/// <see cref="RecoveryConnections"/>, returning what Akka.Persistence.Sql's own reads return for the same rows.
/// </summary>
internal sealed class JournalRecoveryReader(RecoveryConnections connections, RecoverySql.Journal sql, RecoveryPayloads payloads) : IDisposable
{
    /// <summary>
    /// A reader for the plugin configured by <paramref name="config"/>, or null when the fast path does not apply
    /// (a provider it does not know, or the plugin's delete-compatibility mode, whose highest sequence number also
    /// reads a metadata table): the plugin's own reads then serve recovery.
    /// </summary>
    public static JournalRecoveryReader? For(JournalConfig config, RecoveryPayloads payloads, int readers)
    {
        if (config.DaoConfig.SqlCommonCompatibilityMode) return null;
        var connections = RecoveryConnections.For(config.ProviderName, config.ConnectionString, readers);
        return connections is null ? null : new JournalRecoveryReader(connections, RecoverySql.For(config, connections.False), payloads);
    }

    /// <summary>
    /// BaseByteArrayJournalDao.HighestSequenceNr: the largest sequence number stored for the id (deleted rows count:
    /// the plugin keeps the newest deleted row for this), above <paramref name="fromSequenceNr"/> when that is not 0;
    /// 0 when there is none.
    /// </summary>
    public Task<long> HighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        connections.ReadAsync(async (connection, ct) =>
        {
            var command = fromSequenceNr == 0
                ? connection.Command(sql.HighestSequenceNr, RecoverySql.PersistenceId)
                : connection.Command(sql.HighestSequenceNrAbove, RecoverySql.PersistenceId, RecoverySql.From);
            command.Parameters[0].Value = persistenceId;
            if (fromSequenceNr != 0) command.Parameters[1].Value = fromSequenceNr;
            var highest = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return highest is null or DBNull ? 0L : Convert.ToInt64(highest, System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    /// <summary>
    /// SqlWriteJournal.ReplayMessagesAsync: the first <paramref name="max"/> events of the id that are not deleted,
    /// from <paramref name="fromSequenceNr"/> to <paramref name="toSequenceNr"/> in sequence order, each handed to
    /// <paramref name="recoveryCallback"/> in turn. The plugin pages through them 1,000 rows per query inside an
    /// Akka.Streams graph; here one query streams them, as of one consistent read.
    /// </summary>
    public Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback, CancellationToken cancellationToken) =>
        connections.ReadAsync(async (connection, ct) =>
        {
            var command = connection.Command(sql.Replay, RecoverySql.PersistenceId, RecoverySql.From, RecoverySql.To, RecoverySql.Max);
            command.Parameters[0].Value = persistenceId;
            command.Parameters[1].Value = fromSequenceNr;
            command.Parameters[2].Value = toSequenceNr;
            command.Parameters[3].Value = Math.Max(0, max);
            await using DbDataReader rows = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await rows.ReadAsync(ct).ConfigureAwait(false))
                recoveryCallback(payloads.Event(rows, persistenceId, sql.ReadsWriterUuid));
            return true;
        }, cancellationToken);

    public void Dispose() => connections.Dispose();
}
