using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The fixed SQL of the recovery reads, against the tables Akka.Persistence.Sql maps, with the table and column names
/// taken from the plugin's own configuration objects (<see cref="JournalConfig"/>, <see cref="SnapshotConfig"/>), so a
/// renamed table or column in HOCON is read where the plugin writes it. Each query is the one the plugin's linq2db
/// expression asks (BaseByteArrayJournalDao, ByteArraySnapshotDao), written out once.
/// </summary>
internal static class RecoverySql
{
    /// <summary>
    /// Most ids one multi-id lookup reads: more queue for the next query, so one query's rows, and the wait of the ids
    /// at its end, stay small.
    /// </summary>
    public const int MaxIdsPerQuery = 256;

    /// <summary>
    /// Most replays one query serves. Lower than <see cref="MaxIdsPerQuery"/>: a replay returns every event after the
    /// snapshot (up to 99 with a snapshot every 100), and the last entity of a query waits for the rows of all before it.
    /// </summary>
    public const int MaxReplaysPerQuery = 64;

    /// <summary>Parameter names, shared by the statements below.</summary>
    public const string PersistenceId = "@pid", From = "@from", To = "@to", Max = "@max", Timestamp = "@ts", Ids = "@ids",
        Froms = "@froms", Tos = "@tos", Ranges = "@ranges";

    /// <summary>
    /// The journal statements. <c>HighestSequenceNrs</c> reads many ids at once from <see cref="RecoveryConnections.IdTable"/>:
    /// a row (id, highest or NULL) per id, each highest found through the (persistence id, sequence number) index.
    /// <c>ReplayRanges</c> replays many requests at once from <see cref="RecoveryConnections.RangeTable"/>: the columns of
    /// <c>Replay</c> plus the request's position last, ordered by request, then sequence number.
    /// </summary>
    public sealed record Journal(string HighestSequenceNrs, string Replay, string ReplayRanges, bool ReadsWriterUuid);

    /// <summary>
    /// The snapshot statements, one per criteria shape the plugin distinguishes, and <c>LatestOfIds</c>: the newest
    /// snapshot of each of many ids (ids without one have no row), columns as <c>Latest</c> plus the id last.
    /// <c>LatestWithHighestOfIds</c>, when the journal's table is known: a row for every id, with the newest snapshot's
    /// columns (NULL when it has none), the id, and the journal's highest sequence number of the id (NULL when none),
    /// in one statement, so one consistent read answers both of a recovery's lookups.
    /// </summary>
    public sealed record Snapshot(string Latest, string UpToSequenceNr, string UpToTimestamp, string UpToSequenceNrAndTimestamp, string LatestOfIds,
        string? LatestWithHighestOfIds);

    public static Journal For(JournalConfig config, string falseLiteral, string idTable, string rangeTable)
    {
        var table = config.TableConfig.EventJournalTable;
        var c = table.ColumnNames;
        var from = Table(config.TableConfig.SchemaName, table.Name);
        var pid = Quote(c.PersistenceId);
        var seq = Quote(c.SequenceNumber);
        var uuid = table.UseWriterUuidColumn ? $", {Quote(c.WriterUuid)}" : "";
        var eventColumns = $"{seq}, {Quote(c.Message)}, {Quote(c.Identifier)}, {Quote(c.Manifest)}, {Quote(c.Created)}{uuid}";
        return new Journal(
            HighestSequenceNrs: $"SELECT ids.id, {HighestOfId(config)} FROM {idTable}",
            // Columns in the order RecoveryPayloads.Event reads them.
            Replay: $"SELECT {eventColumns} " +
                    $"FROM {from} WHERE {pid} = {PersistenceId} AND {seq} >= {From} AND {seq} <= {To} " +
                    $"AND {Quote(c.Deleted)} = {falseLiteral} ORDER BY {seq} LIMIT {Max}",
            // The same rows for each request, found through the (persistence id, sequence number) index per request.
            ReplayRanges: $"SELECT {string.Join(", ", eventColumns.Split(", ").Select(col => "j." + col))}, ranges.n " +
                          $"FROM {rangeTable} JOIN {from} j ON j.{pid} = ranges.id AND j.{seq} >= ranges.lo AND j.{seq} <= ranges.hi " +
                          $"AND j.{Quote(c.Deleted)} = {falseLiteral} ORDER BY ranges.n, j.{seq}",
            ReadsWriterUuid: table.UseWriterUuidColumn);
    }

    /// <summary>The snapshot statements; <paramref name="journal"/>: the journal on the same database, if its highest sequence numbers may be read with the snapshots.</summary>
    public static Snapshot For(SnapshotConfig config, string idTable, JournalConfig? journal)
    {
        var table = config.TableConfig.SnapshotTable;
        var c = table.ColumnNames;
        var seq = Quote(c.SequenceNumber);
        var pid = Quote(c.PersistenceId);
        var name = Table(config.TableConfig.SchemaName, table.Name);
        // Columns in the order SnapshotRowReader reads them.
        var columns = $"{seq}, {Quote(c.Created)}, {Quote(c.Snapshot)}, {Quote(c.Manifest)}, {Quote(c.SerializerId)}";
        var select = $"SELECT {columns} FROM {name} WHERE {pid} = {PersistenceId}";
        // (persistence id, sequence number) is the table's key: the row with the id's MAX is its one newest snapshot.
        var latestOfIds = $"SELECT {string.Join(", ", columns.Split(", ").Select(col => "s." + col))}, s.{pid} FROM {idTable} " +
                          $"JOIN {name} s ON s.{pid} = ids.id AND s.{seq} = (SELECT MAX({seq}) FROM {name} WHERE {pid} = ids.id)";
        var latestWithHighestOfIds = journal is null
            ? null
            : $"SELECT {string.Join(", ", columns.Split(", ").Select(col => "s." + col))}, ids.id, {HighestOfId(journal)} FROM {idTable} " +
              $"LEFT JOIN {name} s ON s.{pid} = ids.id AND s.{seq} = (SELECT MAX({seq}) FROM {name} WHERE {pid} = ids.id)";
        const string newest = " LIMIT 1";
        var order = $" ORDER BY {seq} DESC";
        var upToSeq = $" AND {seq} <= {To}";
        var upToTime = $" AND {Quote(c.Created)} <= {Timestamp}";
        return new Snapshot(
            Latest: select + order + newest,
            UpToSequenceNr: select + upToSeq + order + newest,
            UpToTimestamp: select + upToTime + order + newest,
            UpToSequenceNrAndTimestamp: select + upToSeq + upToTime + order + newest,
            LatestOfIds: latestOfIds,
            LatestWithHighestOfIds: latestWithHighestOfIds);
    }

    // The journal's highest sequence number of the row's ids.id, deleted rows included (as the plugin counts them). A
    // correlated MAX per id rather than GROUP BY: each is one probe of the (persistence id, sequence number) index, not
    // a walk over the id's rows.
    private static string HighestOfId(JournalConfig config)
    {
        var table = config.TableConfig.EventJournalTable;
        var journalTable = Table(config.TableConfig.SchemaName, table.Name);
        return $"(SELECT MAX({Quote(table.ColumnNames.SequenceNumber)}) FROM {journalTable} WHERE {Quote(table.ColumnNames.PersistenceId)} = ids.id)";
    }

    private static string Table(string? schema, string name) =>
        string.IsNullOrWhiteSpace(schema) ? Quote(name) : $"{Quote(schema)}.{Quote(name)}";

    // Double quotes are the identifier quote of both SQLite and PostgreSQL. Quoted, a name means exactly its spelling in
    // the configuration, which is how linq2db created the table (it quotes any name that would otherwise fold case).
    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
