using System.Text.Json;

namespace AkkaRpc.Backup;

/// <summary>
/// Decodes one row line of the portable export (see <see cref="ExportFile"/>) straight from its UTF-8 bytes with a
/// forward-only <see cref="Utf8JsonReader"/>: no string per line and no document tree. A restore spent most of its
/// own CPU building a <see cref="JsonDocument"/> per row. It accepts what the tree-based reader accepted: columns in
/// any order, unknown columns ignored, optional columns missing or null; anything else is an
/// <see cref="InvalidDataException"/> saying what is wrong.
/// </summary>
internal static class ExportRowParser
{
    // Which columns a line had (bit flags), to tell a missing required column from a present one.
    private const int HasOrdering = 1, HasCreated = 2, HasDeleted = 4, HasPersistenceId = 8, HasSequenceNumber = 16,
        HasMessage = 32, HasOrderingId = 64, HasTag = 128, HasSequenceNr = 256, HasSnapshot = 512;

    private enum Table { None, Journal, Tags, Snapshot }

    private enum Column
    {
        Unknown, Table, Ordering, Created, Deleted, PersistenceId, SequenceNumber, Message, Manifest, Identifier, WriterUuid,
        OrderingId, Tag, SequenceNr, Snapshot, SerializerId,
    }

    /// <summary>The row on <paramref name="line"/> (one JSON object, no line break).</summary>
    /// <param name="line">The line's bytes.</param>
    public static BackupRecord Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: true, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new InvalidDataException("not a JSON object");
        var table = Table.None;
        var has = 0;
        long ordering = 0, created = 0, sequenceNumber = 0, orderingId = 0, sequenceNr = 0;
        var deleted = false;
        string? persistenceId = null, manifest = null, writerUuid = null, tag = null;
        byte[]? message = null, snapshot = null;
        int? identifier = null, serializerId = null;

        while (true)
        {
            if (!reader.Read()) throw new InvalidDataException("the line ends inside the object");
            if (reader.TokenType == JsonTokenType.EndObject) break;
            // Inside an object the reader only yields property names here (it throws on anything else).
            var column = ColumnOf(ref reader);
            reader.Read();
            switch (column)
            {
                case Column.Table: table = TableOf(ref reader); break;
                case Column.Ordering: ordering = reader.GetInt64(); has |= HasOrdering; break;
                case Column.Created: created = reader.GetInt64(); has |= HasCreated; break;
                case Column.Deleted: deleted = reader.GetBoolean(); has |= HasDeleted; break;
                case Column.PersistenceId: persistenceId = reader.GetString(); has |= HasPersistenceId; break;
                case Column.SequenceNumber: sequenceNumber = reader.GetInt64(); has |= HasSequenceNumber; break;
                case Column.Message: message = reader.GetBytesFromBase64(); has |= HasMessage; break;
                case Column.Manifest: manifest = reader.TokenType == JsonTokenType.Null ? null : reader.GetString(); break;
                case Column.Identifier: identifier = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32(); break;
                case Column.WriterUuid: writerUuid = reader.TokenType == JsonTokenType.Null ? null : reader.GetString(); break;
                case Column.OrderingId: orderingId = reader.GetInt64(); has |= HasOrderingId; break;
                case Column.Tag: tag = reader.GetString(); has |= HasTag; break;
                case Column.SequenceNr: sequenceNr = reader.GetInt64(); has |= HasSequenceNr; break;
                case Column.Snapshot:
                    snapshot = reader.TokenType == JsonTokenType.Null ? null : reader.GetBytesFromBase64();
                    has |= HasSnapshot;
                    break;
                case Column.SerializerId: serializerId = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32(); break;
                default: reader.Skip(); break; // a column this version does not know
            }
        }
        // One object per line: anything after it (other than white space) makes the reader throw.
        if (reader.Read()) throw new InvalidDataException("more than one JSON value");

        return table switch
        {
            Table.Journal => new JournalRecord(
                Need(ordering, has, HasOrdering, "ordering"), Need(created, has, HasCreated, "created"), Need(deleted, has, HasDeleted, "deleted"),
                Required(persistenceId, has, HasPersistenceId, "persistence_id"), Need(sequenceNumber, has, HasSequenceNumber, "sequence_number"),
                Need(message, has, HasMessage, "message")!, manifest, identifier, writerUuid),
            Table.Tags => new TagRecord(
                Need(orderingId, has, HasOrderingId, "ordering_id"), Required(tag, has, HasTag, "tag"),
                Need(sequenceNr, has, HasSequenceNr, "sequence_nr"), Required(persistenceId, has, HasPersistenceId, "persistence_id")),
            Table.Snapshot => new SnapshotRecord(
                Required(persistenceId, has, HasPersistenceId, "persistence_id"), Need(sequenceNumber, has, HasSequenceNumber, "sequence_number"),
                Need(created, has, HasCreated, "created"), Need(snapshot, has, HasSnapshot, "snapshot"), manifest, serializerId),
            _ => throw new InvalidDataException("no table column"),
        };
    }

    // Journal columns first: they are nearly every line.
    private static Column ColumnOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("table"u8) ? Column.Table
        : reader.ValueTextEquals("ordering"u8) ? Column.Ordering
        : reader.ValueTextEquals("created"u8) ? Column.Created
        : reader.ValueTextEquals("deleted"u8) ? Column.Deleted
        : reader.ValueTextEquals("persistence_id"u8) ? Column.PersistenceId
        : reader.ValueTextEquals("sequence_number"u8) ? Column.SequenceNumber
        : reader.ValueTextEquals("message"u8) ? Column.Message
        : reader.ValueTextEquals("manifest"u8) ? Column.Manifest
        : reader.ValueTextEquals("identifier"u8) ? Column.Identifier
        : reader.ValueTextEquals("writer_uuid"u8) ? Column.WriterUuid
        : reader.ValueTextEquals("ordering_id"u8) ? Column.OrderingId
        : reader.ValueTextEquals("tag"u8) ? Column.Tag
        : reader.ValueTextEquals("sequence_nr"u8) ? Column.SequenceNr
        : reader.ValueTextEquals("snapshot"u8) ? Column.Snapshot
        : reader.ValueTextEquals("serializer_id"u8) ? Column.SerializerId
        : Column.Unknown;

    private static Table TableOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("journal"u8)) return Table.Journal;
        if (reader.ValueTextEquals("tags"u8)) return Table.Tags;
        if (reader.ValueTextEquals("snapshot"u8)) return Table.Snapshot;
        throw new InvalidDataException($"unknown table '{reader.GetString()}'");
    }

    private static T Need<T>(T value, int has, int flag, string name) =>
        (has & flag) != 0 ? value : throw new InvalidDataException($"column {name} is missing");

    private static string Required(string? value, int has, int flag, string name) =>
        Need(value, has, flag, name) ?? throw new InvalidDataException($"{name} is null");
}
