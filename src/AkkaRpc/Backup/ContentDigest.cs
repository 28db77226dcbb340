using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AkkaRpc.Backup;

/// <summary>
/// Folds rows, in backup order, into a <see cref="ContentSummary"/>: counts, per-persistence-id ranges and a SHA-256
/// over every field. Used when writing a manifest and when checking a database or backup against one.
/// </summary>
public sealed class ContentDigest : IDisposable
{
    // Fields are gathered here and hashed in 64 KB blocks: one call into the hash per field (ten per row) cost more
    // than the hashing itself. SHA-256 over the same bytes in other chunks is the same hash.
    private const int BufferSize = 1 << 16;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<string, Stats> _ids = new(StringComparer.Ordinal);
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _used;
    private long _journal, _tags, _snapshots;

    /// <summary>Rows folded so far.</summary>
    public long Rows => _journal + _tags + _snapshots;

    /// <summary>Folds one row.</summary>
    /// <param name="record">The row.</param>
    public void Add(BackupRecord record)
    {
        switch (record)
        {
            case JournalRecord r:
                _journal++;
                Field('J'); Field(r.Ordering); Field(r.Created); Field(r.Deleted ? 1L : 0L); Field(r.PersistenceId); Field(r.SequenceNr);
                Field(r.Message); Field(r.Manifest); Field(r.SerializerId); Field(r.WriterUuid);
                var stats = StatsOf(r.PersistenceId);
                if (stats.Events == 0 || r.SequenceNr < stats.Lowest) stats.Lowest = r.SequenceNr;
                stats.Highest = Math.Max(stats.Highest, r.SequenceNr);
                stats.Events++;
                break;
            case TagRecord r:
                _tags++;
                Field('T'); Field(r.OrderingId); Field(r.Tag); Field(r.SequenceNr); Field(r.PersistenceId);
                break;
            case SnapshotRecord r:
                _snapshots++;
                Field('S'); Field(r.PersistenceId); Field(r.SequenceNr); Field(r.Created); Field(r.Snapshot); Field(r.Manifest); Field(r.SerializerId);
                var snap = StatsOf(r.PersistenceId);
                snap.Snapshots++;
                snap.HighestSnapshot = Math.Max(snap.HighestSnapshot, r.SequenceNr);
                break;
        }
    }

    /// <summary>The summary of everything folded.</summary>
    public ContentSummary Summary()
    {
        Flush();
        return new(
            _journal, _tags, _snapshots, Convert.ToHexStringLower(_hash.GetCurrentHash()),
            _ids.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new PersistenceIdSummary(p.Key, p.Value.Lowest, p.Value.Highest, p.Value.Events, p.Value.Snapshots, p.Value.HighestSnapshot))
                .ToArray());
    }

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();

    private Stats StatsOf(string id)
    {
        if (!_ids.TryGetValue(id, out var stats)) _ids[id] = stats = new Stats();
        return stats;
    }

    // Every field is length- or presence-prefixed, so no two different rows can hash the same byte stream.
    private void Field(char kind) => Reserve(1)[0] = (byte)kind;

    private void Field(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    private void Field(int? value)
    {
        if (value is null) { Field(-1L); return; }
        Field(1L);
        Field((long)value.Value);
    }

    // The UTF-8 bytes, length-prefixed, encoded straight into the buffer (no array per string).
    private void Field(string? value)
    {
        if (value is null) { Field(-1L); return; }
        var length = Encoding.UTF8.GetByteCount(value);
        Field((long)length);
        if (length <= BufferSize) Encoding.UTF8.GetBytes(value, Reserve(length));
        else Append(Encoding.UTF8.GetBytes(value));
    }

    private void Field(byte[]? value)
    {
        Field(value is null ? -1L : value.LongLength);
        if (value is not null) Append(value);
    }

    // The next length bytes of the buffer (length <= BufferSize), hashing what it holds first when they do not fit.
    private Span<byte> Reserve(int length)
    {
        if (length > BufferSize - _used) Flush();
        var span = _buffer.AsSpan(_used, length);
        _used += length;
        return span;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= BufferSize - _used)
        {
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
            return;
        }
        Flush();
        if (bytes.Length <= BufferSize) Append(bytes);
        else _hash.AppendData(bytes);
    }

    private void Flush()
    {
        if (_used == 0) return;
        _hash.AppendData(_buffer, 0, _used);
        _used = 0;
    }

    private sealed class Stats
    {
        public long Lowest, Highest, Events, Snapshots, HighestSnapshot;
    }
}
