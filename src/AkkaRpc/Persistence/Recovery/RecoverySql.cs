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
    /// <summary>Parameter names, shared by the statements below.</summary>
    public const string PersistenceId = "@pid", From = "@from", To = "@to", Max = "@max", Timestamp = "@ts";

    /// <summary>The journal statements.</summary>
    public sealed record Journal(string HighestSequenceNr, string HighestSequenceNrAbove, string Replay, bool ReadsWriterUuid);

    /// <summary>The snapshot statements, one per criteria shape the plugin distinguishes.</summary>
    public sealed record Snapshot(string Latest, string UpToSequenceNr, string UpToTimestamp, string UpToSequenceNrAndTimestamp);

    public static Journal For(JournalConfig config, string falseLiteral)
    {
        var table = config.TableConfig.EventJournalTable;
        var c = table.ColumnNames;
        var from = Table(config.TableConfig.SchemaName, table.Name);
        var pid = Quote(c.PersistenceId);
        var seq = Quote(c.SequenceNumber);
        var uuid = table.UseWriterUuidColumn ? $", {Quote(c.WriterUuid)}" : "";
        return new Journal(
            HighestSequenceNr: $"SELECT MAX({seq}) FROM {from} WHERE {pid} = {PersistenceId}",
            HighestSequenceNrAbove: $"SELECT MAX({seq}) FROM {from} WHERE {pid} = {PersistenceId} AND {seq} > {From}",
            // Columns in the order JournalRowReader reads them.
            Replay: $"SELECT {seq}, {Quote(c.Message)}, {Quote(c.Identifier)}, {Quote(c.Manifest)}, {Quote(c.Created)}{uuid} " +
                    $"FROM {from} WHERE {pid} = {PersistenceId} AND {seq} >= {From} AND {seq} <= {To} " +
                    $"AND {Quote(c.Deleted)} = {falseLiteral} ORDER BY {seq} LIMIT {Max}",
            ReadsWriterUuid: table.UseWriterUuidColumn);
    }

    public static Snapshot For(SnapshotConfig config)
    {
        var table = config.TableConfig.SnapshotTable;
        var c = table.ColumnNames;
        var seq = Quote(c.SequenceNumber);
        // Columns in the order SnapshotRowReader reads them.
        var select = $"SELECT {seq}, {Quote(c.Created)}, {Quote(c.Snapshot)}, {Quote(c.Manifest)}, {Quote(c.SerializerId)} " +
                     $"FROM {Table(config.TableConfig.SchemaName, table.Name)} WHERE {Quote(c.PersistenceId)} = {PersistenceId}";
        const string newest = " LIMIT 1";
        var order = $" ORDER BY {seq} DESC";
        var upToSeq = $" AND {seq} <= {To}";
        var upToTime = $" AND {Quote(c.Created)} <= {Timestamp}";
        return new Snapshot(
            Latest: select + order + newest,
            UpToSequenceNr: select + upToSeq + order + newest,
            UpToTimestamp: select + upToTime + order + newest,
            UpToSequenceNrAndTimestamp: select + upToSeq + upToTime + order + newest);
    }

    private static string Table(string? schema, string name) =>
        string.IsNullOrWhiteSpace(schema) ? Quote(name) : $"{Quote(schema)}.{Quote(name)}";

    // Double quotes are the identifier quote of both SQLite and PostgreSQL. Quoted, a name means exactly its spelling in
    // the configuration, which is how linq2db created the table (it quotes any name that would otherwise fold case).
    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
