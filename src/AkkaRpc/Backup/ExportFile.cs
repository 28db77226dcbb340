using System.Buffers;
using System.IO.Compression;
using System.Runtime.CompilerServices;
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
        // Lines are cut from the decompressed bytes and decoded where they lie (no string per line); a block's rows
        // are handed out together, since the decoder's reader cannot live across an await.
        using var lines = new LineBuffer(path);
        var rows = new List<BackupRecord>(1024);
        while (true)
        {
            int read;
            try { read = await gzip.ReadAsync(lines.FreeSpace(), ct).ConfigureAwait(false); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a gzip file or damaged after line {lines.LineNumber}: {e.Message}", e); }
            if (read == 0) break;
            lines.Add(read, rows);
            foreach (var row in rows) yield return row;
            rows.Clear();
        }
        lines.Finish(rows);
        foreach (var row in rows) yield return row;
        if (lines.LineNumber == 0) throw new InvalidDataException($"{path} is empty: not an AkkaRpc export");
    }

    // Decompressed bytes not yet cut into lines, in a pooled buffer that grows for a line longer than it.
    private sealed class LineBuffer(string path) : IDisposable
    {
        private const int MinimumRead = 1 << 16;
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        private int _start, _end, _scanned;

        public int LineNumber { get; private set; }

        public Memory<byte> FreeSpace()
        {
            if (_buffer.Length - _end < MinimumRead)
            {
                var pending = _end - _start;
                var target = pending + MinimumRead > _buffer.Length ? ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, pending + MinimumRead)) : _buffer;
                _buffer.AsSpan(_start, pending).CopyTo(target);
                if (target != _buffer)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = target;
                }
                _scanned -= _start;
                _start = 0;
                _end = pending;
            }
            return _buffer.AsMemory(_end);
        }

        /// <summary>Takes <paramref name="count"/> new bytes; decodes every line they complete into <paramref name="rows"/>.</summary>
        public void Add(int count, List<BackupRecord> rows)
        {
            _end += count;
            while (true)
            {
                var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _scanned = _end;
                    return;
                }
                var lineEnd = _scanned + newline;
                Line(_buffer.AsSpan(_start, lineEnd - _start), rows);
                _start = _scanned = lineEnd + 1;
            }
        }

        /// <summary>Decodes the last line when the file does not end with a line break.</summary>
        public void Finish(List<BackupRecord> rows)
        {
            if (_end > _start) Line(_buffer.AsSpan(_start, _end - _start), rows);
            _start = _scanned = _end;
        }

        private void Line(ReadOnlySpan<byte> line, List<BackupRecord> rows)
        {
            LineNumber++;
            if (line.EndsWith((byte)'\r')) line = line[..^1];
            if (LineNumber == 1)
            {
                CheckHeader(path, line.StartsWith(Utf8Bom) ? line[Utf8Bom.Length..] : line);
                return;
            }
            if (line.IsEmpty) return;
            try { rows.Add(ExportRowParser.Parse(line)); }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or InvalidDataException)
            {
                throw new InvalidDataException($"{path} line {LineNumber}: not a valid row ({e.Message})", e);
            }
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static void CheckHeader(string path, ReadOnlySpan<byte> line)
    {
        try
        {
            using var header = JsonDocument.Parse(line.ToArray());
            if (header.RootElement.TryGetProperty("format", out var format) && format.GetString() == FormatName
                && header.RootElement.TryGetProperty("version", out var version) && version.GetInt32() == Version)
                return;
        }
        catch (JsonException) { }
        catch (InvalidOperationException) { }
        throw new InvalidDataException($"{path} is not an AkkaRpc export (version {Version}): its first line is not the expected header");
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteNumber(name, value.Value);
    }
}
