using System.Globalization;

namespace AkkaRpc.Backup;

/// <summary>The outcome of <see cref="JournalVerifier.VerifyAsync"/>.</summary>
/// <param name="Content">What the rows add up to.</param>
/// <param name="PayloadsRead">Journal and snapshot payloads deserialized without error.</param>
/// <param name="ProblemCount">How many problems were found.</param>
/// <param name="Problems">The first problems, for people (at most 100).</param>
public sealed record VerifyReport(ContentSummary Content, long PayloadsRead, long ProblemCount, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool Ok => ProblemCount == 0;
}

/// <summary>
/// Replays every row of a journal (a database or a backup) the way recovery would, and checks it: sequence numbers of
/// every persistence id continuous, every payload readable by the AkkaRpc serializer, every snapshot readable, and,
/// when a manifest is given, the content equal to it.
/// </summary>
public sealed class JournalVerifier
{
    private const int ProblemsKept = 100;
    private readonly PayloadReader _payloads;
    private readonly List<string> _problems = [];
    private long _problemCount;

    /// <summary>A verifier reading payloads with <paramref name="payloads"/>.</summary>
    /// <param name="payloads">The payload reader.</param>
    public JournalVerifier(PayloadReader payloads) => _payloads = payloads;

    /// <summary>Checks <paramref name="records"/> (backup order) and, when given, compares them with <paramref name="expected"/>.</summary>
    /// <param name="records">The rows.</param>
    /// <param name="expected">The manifest content they should match, or null.</param>
    /// <param name="progress">Receives rows checked so far.</param>
    /// <param name="ct">Cancels the check.</param>
    public async Task<VerifyReport> VerifyAsync(
        IAsyncEnumerable<BackupRecord> records, ContentSummary? expected, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        _problems.Clear();
        _problemCount = 0;
        using var digest = new ContentDigest();
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        long payloads = 0;
        await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
        {
            digest.Add(record);
            switch (record)
            {
                case JournalRecord r:
                    if (last.TryGetValue(r.PersistenceId, out var previous) && r.SequenceNr != previous + 1)
                        Problem($"{r.PersistenceId}: sequence nr {r.SequenceNr} follows {previous} (gap or duplicate)");
                    last[r.PersistenceId] = r.SequenceNr;
                    if (TryRead(r.Message, r.SerializerId, r.Manifest, $"{r.PersistenceId} #{r.SequenceNr}")) payloads++;
                    break;
                case SnapshotRecord r:
                    if (r.Snapshot is null) Problem($"{r.PersistenceId}: snapshot at {r.SequenceNr} has no data");
                    else if (TryRead(r.Snapshot, r.SerializerId, r.Manifest, $"{r.PersistenceId} snapshot at {r.SequenceNr}")) payloads++;
                    break;
            }
            if (digest.Rows % 5_000 == 0) progress?.Report(digest.Rows);
        }
        progress?.Report(digest.Rows);

        var content = digest.Summary();
        foreach (var id in content.PersistenceIds)
        {
            // Recovery starts at the newest snapshot and replays what follows: rows before it may be gone, but the
            // first remaining row must directly follow a snapshot (or be the first event).
            if (id.Events > 0 && id.LowestSequenceNr > 1 && id.HighestSnapshotSequenceNr < id.LowestSequenceNr - 1)
                Problem($"{id.Id}: journal starts at {id.LowestSequenceNr} but the newest snapshot covers only {id.HighestSnapshotSequenceNr}");
            if (id.HighestSnapshotSequenceNr > id.HighestSequenceNr && id.Events > 0)
                Problem($"{id.Id}: snapshot at {id.HighestSnapshotSequenceNr} is newer than the last event {id.HighestSequenceNr}");
        }
        if (expected is not null && !Backups.SameContent(content, expected))
            Problem($"content differs from the manifest: {Backups.Difference(content, expected)}");
        return new VerifyReport(content, payloads, _problemCount, _problems.ToArray());
    }

    private bool TryRead(byte[] bytes, int? serializerId, string? manifest, string what)
    {
        if (serializerId is null)
        {
            Problem($"{what}: no serializer id (written by a non-AkkaRpc serializer setup)");
            return false;
        }
        try
        {
            _ = _payloads.Read(bytes, serializerId.Value, manifest ?? "");
            return true;
        }
        catch (Exception e)
        {
            Problem(string.Create(CultureInfo.InvariantCulture, $"{what}: cannot deserialize (serializer {serializerId}, manifest '{manifest}'): {e.Message}"));
            return false;
        }
    }

    private void Problem(string message)
    {
        _problemCount++;
        if (_problems.Count < ProblemsKept) _problems.Add(message);
    }
}
