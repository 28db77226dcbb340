using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaRpc.Backup;

/// <summary>
/// <c>manifest.json</c>: what a backup or export holds. Written last, so a folder without it is an unfinished backup.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>The manifest's file name inside a backup folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The version this code writes; a newer one is refused rather than half understood.</summary>
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Manifest format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>When the backup's point in time was taken (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The backed-up database, without credentials.</summary>
    public string Source { get; init; } = "";

    /// <summary>The data file, relative to the folder.</summary>
    public required BackupDataFile Data { get; init; }

    /// <summary>What the rows add up to.</summary>
    public required ContentSummary Content { get; init; }

    /// <summary>Writes the manifest into <paramref name="folder"/>.</summary>
    /// <param name="folder">The backup folder.</param>
    public async Task WriteAsync(string folder)
    {
        var path = Path.Combine(folder, FileName);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(this, Json)).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads the manifest of <paramref name="folder"/>; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    /// <param name="folder">The backup folder.</param>
    public static async Task<BackupManifest> ReadAsync(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"backup folder {folder} does not exist");
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder} has no {FileName}: not a backup, or an unfinished one");
        BackupManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(path).ConfigureAwait(false), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a valid manifest: {e.Message}", e); }
        if (manifest is null || manifest.Data is null || manifest.Content is null)
            throw new InvalidDataException($"{path} is not a valid manifest: data or content is missing");
        if (manifest.FormatVersion is < 1 or > CurrentFormatVersion)
            throw new InvalidDataException($"{path} has format version {manifest.FormatVersion}; this tool reads 1 to {CurrentFormatVersion}");
        return manifest;
    }
}

/// <summary>How a backup's rows are stored.</summary>
public enum BackupFormat
{
    /// <summary>A SQLite database file (the online backup API's copy of a SQLite journal).</summary>
    Sqlite,

    /// <summary>The portable export: gzip-compressed NDJSON, one row per line; restorable into any backend.</summary>
    Ndjson,
}

/// <summary>The data file of a backup.</summary>
/// <param name="File">File name, relative to the backup folder.</param>
/// <param name="Format">How rows are stored in it.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">SHA-256 of its bytes (hex): detects a damaged or altered file before a restore reads it.</param>
public sealed record BackupDataFile(string File, BackupFormat Format, long Bytes, string Sha256);

/// <summary>What the rows of a journal add up to; equal summaries mean equal contents.</summary>
/// <param name="JournalRows">Rows of <c>journal</c>.</param>
/// <param name="TagRows">Rows of <c>tags</c>.</param>
/// <param name="SnapshotRows">Rows of <c>snapshot</c>.</param>
/// <param name="ContentSha256">SHA-256 over every field of every row in backup order: independent of the file format
/// and the backend, so a restored database can be checked against the backup it came from.</param>
/// <param name="PersistenceIds">Per persistence id, ordered by id.</param>
public sealed record ContentSummary(
    long JournalRows, long TagRows, long SnapshotRows, string ContentSha256, IReadOnlyList<PersistenceIdSummary> PersistenceIds);

/// <summary>One persistence id in a backup.</summary>
/// <param name="Id">The persistence id (AkkaRpc: <c>service/key</c>).</param>
/// <param name="LowestSequenceNr">Its first journal row (1 unless older rows were deleted behind a snapshot); 0 when it has none.</param>
/// <param name="HighestSequenceNr">Its last journal row; 0 when it has none.</param>
/// <param name="Events">Its journal rows.</param>
/// <param name="Snapshots">Its snapshot rows.</param>
/// <param name="HighestSnapshotSequenceNr">The sequence number of its newest snapshot; 0 when none.</param>
public sealed record PersistenceIdSummary(
    string Id, long LowestSequenceNr, long HighestSequenceNr, long Events, long Snapshots, long HighestSnapshotSequenceNr);
