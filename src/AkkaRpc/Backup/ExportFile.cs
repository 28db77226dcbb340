using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace AkkaRpc.Backup;

/// <summary>
/// The portable export: gzip-compressed NDJSON. Line 1 is a header (<c>{"format":"akkarpc-export","version":1}</c>);
/// every other line is one row, <c>{"table":"journal"|"tags"|"snapshot", ...columns}</c>, with payload bytes in
/// base64 and column names as in the tables. Plain text on purpose: any tool can read it, and it restores into any
/// backend (SQLite → PostgreSQL migration), because the rows carry the serializer's bytes, not a backend's encoding.
/// </summary>
public static class ExportFile
{
    /// <summary>The data file name of an export inside a backup folder.</summary>
    public const string FileName = "export.ndjson.gz";

    private const string FormatName = "akkarpc-export";
    private const int Version = 1;

    /// <summary>Writes <paramref name="records"/> to a new file; returns how many rows.</summary>
    /// <param name="path">The file to create (must not exist).</param>
    /// <param name="records">The rows in backup order.</param>
    /// <param name="ct">Cancels writing.</param>
    public static async Task<long> WriteAsync(string path, IAsyncEnumerable<BackupRecord> records, CancellationToken ct = default)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var buffer = new MemoryStream();
        await using var json = new Utf8JsonWriter(buffer);
        long rows = 0;

        async Task FlushLineAsync()
        {
            await json.FlushAsync(ct).ConfigureAwait(false);
            buffer.WriteByte((byte)'\n');
            await gzip.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
            buffer.SetLength(0);
            json.Reset(buffer);
        }

        json.WriteStartObject();
        json.WriteString("format", FormatName);
        json.WriteNumber("version", Version);
        json.WriteEndObject();
        await FlushLineAsync().ConfigureAwait(false);

        await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
        {
            json.WriteStartObject();
            switch (record)
            {
                case JournalRecord r:
                    json.WriteString("table", "journal");
                    json.WriteNumber("ordering", r.Ordering);
                    json.WriteNumber("created", r.Created);
                    json.WriteBoolean("deleted", r.Deleted);
                    json.WriteString("persistence_id", r.PersistenceId);
                    json.WriteNumber("sequence_number", r.SequenceNr);
                    json.WriteBase64String("message", r.Message);
                    WriteNullable(json, "manifest", r.Manifest);
                    WriteNullable(json, "identifier", r.SerializerId);
                    WriteNullable(json, "writer_uuid", r.WriterUuid);
                    break;
                case TagRecord r:
                    json.WriteString("table", "tags");
                    json.WriteNumber("ordering_id", r.OrderingId);
                    json.WriteString("tag", r.Tag);
                    json.WriteNumber("sequence_nr", r.SequenceNr);
                    json.WriteString("persistence_id", r.PersistenceId);
                    break;
                case SnapshotRecord r:
                    json.WriteString("table", "snapshot");
                    json.WriteString("persistence_id", r.PersistenceId);
                    json.WriteNumber("sequence_number", r.SequenceNr);
                    json.WriteNumber("created", r.Created);
                    if (r.Snapshot is null) json.WriteNull("snapshot"); else json.WriteBase64String("snapshot", r.Snapshot);
                    WriteNullable(json, "manifest", r.Manifest);
                    WriteNullable(json, "serializer_id", r.SerializerId);
                    break;
            }
            json.WriteEndObject();
            await FlushLineAsync().ConfigureAwait(false);
            rows++;
        }
        return rows;
    }

    /// <summary>Reads the rows of an export; throws <see cref="InvalidDataException"/> naming the bad line.</summary>
    /// <param name="path">The export file.</param>
    /// <param name="ct">Cancels reading.</param>
    public static async IAsyncEnumerable<BackupRecord> ReadAsync(string path, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"export file {path} does not exist", path);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var lineNumber = 0;
        string? line;
        while (true)
        {
            try { line = await reader.ReadLineAsync(ct).ConfigureAwait(false); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a gzip file or damaged after line {lineNumber}: {e.Message}", e); }
            if (line is null) break;
            lineNumber++;
            if (lineNumber == 1)
            {
                CheckHeader(path, line);
                continue;
            }
            if (line.Length == 0) continue;
            yield return Parse(path, lineNumber, line);
        }
        if (lineNumber == 0) throw new InvalidDataException($"{path} is empty: not an AkkaRpc export");
    }

    private static void CheckHeader(string path, string line)
    {
        try
        {
            using var header = JsonDocument.Parse(line);
            if (header.RootElement.TryGetProperty("format", out var format) && format.GetString() == FormatName
                && header.RootElement.TryGetProperty("version", out var version) && version.GetInt32() == Version)
                return;
        }
        catch (JsonException) { }
        catch (InvalidOperationException) { }
        throw new InvalidDataException($"{path} is not an AkkaRpc export (version {Version}): its first line is not the expected header");
    }

    private static BackupRecord Parse(string path, int lineNumber, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            return row.GetProperty("table").GetString() switch
            {
                "journal" => new JournalRecord(
                    row.GetProperty("ordering").GetInt64(), row.GetProperty("created").GetInt64(), row.GetProperty("deleted").GetBoolean(),
                    Required(row, "persistence_id"), row.GetProperty("sequence_number").GetInt64(), row.GetProperty("message").GetBytesFromBase64(),
                    NullableString(row, "manifest"), NullableInt(row, "identifier"), NullableString(row, "writer_uuid")),
                "tags" => new TagRecord(
                    row.GetProperty("ordering_id").GetInt64(), Required(row, "tag"), row.GetProperty("sequence_nr").GetInt64(), Required(row, "persistence_id")),
                "snapshot" => new SnapshotRecord(
                    Required(row, "persistence_id"), row.GetProperty("sequence_number").GetInt64(), row.GetProperty("created").GetInt64(),
                    row.GetProperty("snapshot").ValueKind == JsonValueKind.Null ? null : row.GetProperty("snapshot").GetBytesFromBase64(),
                    NullableString(row, "manifest"), NullableInt(row, "serializer_id")),
                var other => throw new InvalidDataException($"unknown table '{other}'"),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} line {lineNumber}: not a valid row ({e.Message})", e);
        }
    }

    private static string Required(JsonElement row, string name) =>
        row.GetProperty(name).GetString() ?? throw new InvalidDataException($"{name} is null");

    private static string? NullableString(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;

    private static int? NullableInt(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetInt32() : null;

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteNumber(name, value.Value);
    }
}
