using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace AkkaRpc.Backup;

/// <summary>What a long backup operation is doing.</summary>
/// <param name="Phase">A short name of the step (copy, manifest, export, restore, verify).</param>
/// <param name="Done">Rows done in this step.</param>
/// <param name="Total">Rows in this step, when known (0 otherwise).</param>
public sealed record BackupProgress(string Phase, long Done, long Total);

/// <summary>A finished backup or export.</summary>
/// <param name="Folder">The backup folder.</param>
/// <param name="Manifest">Its manifest.</param>
public sealed record BackupResult(string Folder, BackupManifest Manifest);

/// <summary>
/// Backup, export and restore of a journal database. A backup is a folder: one data file (a SQLite copy, or the
/// portable NDJSON export) and <c>manifest.json</c>, written last.
/// </summary>
public static class Backups
{
    /// <summary>
    /// Takes an online, consistent point-in-time copy of <paramref name="database"/> into the new folder
    /// <paramref name="folder"/> while nodes keep writing. SQLite with <paramref name="format"/> null or
    /// <see cref="BackupFormat.Sqlite"/>: SQLite's online backup API (a database file). Otherwise (PostgreSQL, or an
    /// export): the rows of one REPEATABLE READ / WAL read snapshot, as the portable NDJSON format.
    /// </summary>
    /// <param name="database">The live journal.</param>
    /// <param name="folder">A folder that does not exist or is empty.</param>
    /// <param name="format">The data format; null picks the backend's native one.</param>
    /// <param name="time">The clock for the manifest's timestamp.</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="ct">Cancels the backup (the folder is then removed).</param>
    public static async Task<BackupResult> CreateAsync(
        JournalDatabase database, string folder, BackupFormat? format, TimeProvider time,
        IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        folder = Path.GetFullPath(folder);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"backup folder {folder} exists and is not empty; choose a new folder");
        var useSqlite = database is SqliteJournalDatabase && format is null or BackupFormat.Sqlite;
        if (!useSqlite && format == BackupFormat.Sqlite)
            throw new ArgumentException($"a SQLite-format backup needs a SQLite journal; {database.Description} can be backed up as {BackupFormat.Ndjson}");
        if (database is SqliteJournalDatabase { FilePath: var path } && !File.Exists(path))
            throw new FileNotFoundException($"SQLite journal {path} does not exist", path);

        Directory.CreateDirectory(folder);
        try
        {
            var created = time.GetUtcNow();
            BackupDataFile data;
            ContentSummary content;
            if (useSqlite)
            {
                var sqlite = (SqliteJournalDatabase)database;
                var file = Path.Combine(folder, SqliteBackupFileName);
                progress?.Report(new BackupProgress("copy", 0, 0));
                await Task.Run(() => sqlite.BackupTo(file), ct).ConfigureAwait(false);
                // The manifest describes the copy itself, read back from the file: what was copied is what is listed.
                content = await SummarizeAsync(new SqliteJournalDatabase($"Data Source={file}"), progress, ct).ConfigureAwait(false);
                data = await DescribeAsync(file, BackupFormat.Sqlite, ct).ConfigureAwait(false);
            }
            else
            {
                await using var snapshot = await database.OpenSnapshotAsync(ct).ConfigureAwait(false);
                (data, content) = await WriteExportFileAsync(folder, snapshot.ReadAsync(ct), snapshot.Counts.Total, progress, ct).ConfigureAwait(false);
            }
            var manifest = new BackupManifest { CreatedUtc = created, Source = database.Description, Data = data, Content = content };
            await manifest.WriteAsync(folder).ConfigureAwait(false);
            return new BackupResult(folder, manifest);
        }
        catch
        {
            // Leave no half-written backup that could later be mistaken for a good one.
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Writes rows that did not come from a database (generated, converted, or filtered by a tool) as a portable
    /// export into the new folder <paramref name="folder"/>, with its manifest, exactly as <c>akkarpc export</c> lays
    /// one out; <c>akkarpc import</c> then loads it into either backend.
    /// </summary>
    /// <param name="records">The rows in backup order: journal by ordering, then tags by (ordering, tag), then
    /// snapshots by (persistence id in byte order, sequence number), as a database reads back; otherwise the restored
    /// database will not match the manifest.</param>
    /// <param name="folder">A folder that does not exist or is empty.</param>
    /// <param name="source">What the rows are, for the manifest's <c>source</c>.</param>
    /// <param name="time">The clock for the manifest's timestamp.</param>
    /// <param name="total">Rows expected, for progress (0 if unknown).</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="ct">Cancels writing (the folder is then removed).</param>
    public static async Task<BackupResult> ExportAsync(
        IAsyncEnumerable<BackupRecord> records, string folder, string source, TimeProvider time, long total = 0,
        IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        folder = Path.GetFullPath(folder);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"export folder {folder} exists and is not empty; choose a new folder");
        Directory.CreateDirectory(folder);
        try
        {
            var created = time.GetUtcNow();
            var (data, content) = await WriteExportFileAsync(folder, records, total, progress, ct).ConfigureAwait(false);
            var manifest = new BackupManifest { CreatedUtc = created, Source = source, Data = data, Content = content };
            await manifest.WriteAsync(folder).ConfigureAwait(false);
            return new BackupResult(folder, manifest);
        }
        catch
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Restores the backup in <paramref name="folder"/> into <paramref name="target"/> (any backend): checks the data
    /// file's size and SHA-256 against its manifest first, refuses a target that a running cluster uses (a node heartbeat
    /// younger than <see cref="NodeHeartbeat.LiveWithin"/>) or that is not empty, unless <paramref name="replaceExisting"/>,
    /// and writes in one transaction (or an equivalent all-or-nothing step) that becomes visible only after two checks
    /// pass: the rows read from the backup add up to the manifest, and the rows read back from the target are exactly
    /// the manifest's content. Any failure leaves the target as it was.
    /// </summary>
    /// <param name="folder">A backup or export folder.</param>
    /// <param name="target">The database to fill.</param>
    /// <param name="replaceExisting">Restore even into a database with running nodes, and replace what it holds
    /// (the CLI's --force).</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="ct">Cancels (and rolls back) the restore.</param>
    public static async Task<BackupManifest> RestoreAsync(
        string folder, JournalDatabase target, bool replaceExisting, IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        var manifest = await OpenAsync(folder, ct).ConfigureAwait(false);
        if (!replaceExisting && await target.LiveNodesAsync(NodeHeartbeat.LiveWithin, ct).ConfigureAwait(false) is { Count: > 0 } live)
            throw new RestoreRefusedException(RunningClusterMessage(target, live));
        var total = manifest.Content.JournalRows + manifest.Content.TagRows + manifest.Content.SnapshotRows;
        using var read = new ContentDigest();
        // Decoding and digesting the backup run ahead on another thread while the database writes.
        var rows = ReadAhead.Run(Observe(ReadAsync(folder, manifest, ct), read, "restore", total, progress, ct), ct);
        async Task CheckAsync(IAsyncEnumerable<BackupRecord> written, CancellationToken checkCt)
        {
            var fromBackup = read.Summary();
            if (!SameContent(fromBackup, manifest.Content))
                throw new InvalidDataException(
                    $"{folder}: its rows do not add up to its manifest ({Difference(fromBackup, manifest.Content)}); nothing was changed in {target.Description}");
            using var check = new ContentDigest();
            // The rows come off the connection on one thread while the digest runs on another.
            await foreach (var _ in Observe(ReadAhead.Run(written, checkCt), check, "check", total, progress, checkCt).ConfigureAwait(false)) { }
            var restored = check.Summary();
            if (!SameContent(restored, manifest.Content))
                throw new InvalidDataException(
                    $"{target.Description} would not hold what {folder} lists ({Difference(restored, manifest.Content)}); the restore was rolled back, nothing was changed");
        }

        if (manifest.Data.Format == BackupFormat.Sqlite && target is SqliteJournalDatabase sqlite)
            // SQLite into SQLite: the engine copies the rows from the attached backup file; the rows are still read
            // and digested alongside, for the same checks.
            await sqlite.CopyFromAsync(DataPath(folder, manifest), rows, replaceExisting, CheckAsync, ct).ConfigureAwait(false);
        else
            await target.WriteAsync(rows, replaceExisting, CheckAsync, null, ct).ConfigureAwait(false);
        return manifest;
    }

    private static string RunningClusterMessage(JournalDatabase target, IReadOnlyList<LiveNode> live)
    {
        var nodes = string.Join(", ", live.Take(5).Select(n =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n.Address} (host {n.Host}, pid {n.Pid}, last heartbeat {n.SeenAgo.TotalSeconds:0.0} s ago)")));
        var more = live.Count > 5 ? $" and {live.Count - 5} more" : "";
        return $"a cluster is running against {target.Description}: {live.Count} node(s) wrote a heartbeat within the last " +
               $"{NodeHeartbeat.LiveWithin.TotalSeconds:0} s: {nodes}{more}; nothing was changed. Stop every node first (their writes would " +
               $"interleave with the restore); a node killed without a graceful stop stops counting {NodeHeartbeat.LiveWithin.TotalSeconds:0} s " +
               "after its last heartbeat. --force restores anyway.";
    }

    /// <summary>Reads a backup's manifest and checks its data file's size and SHA-256; throws saying what is wrong.</summary>
    /// <param name="folder">The backup folder.</param>
    /// <param name="ct">Cancels hashing.</param>
    public static async Task<BackupManifest> OpenAsync(string folder, CancellationToken ct = default)
    {
        var manifest = await BackupManifest.ReadAsync(folder).ConfigureAwait(false);
        var file = DataPath(folder, manifest);
        if (!File.Exists(file)) throw new InvalidDataException($"{folder}: data file {manifest.Data.File} is missing");
        var actual = await DescribeAsync(file, manifest.Data.Format, ct).ConfigureAwait(false);
        if (actual.Bytes != manifest.Data.Bytes || actual.Sha256 != manifest.Data.Sha256)
            throw new InvalidDataException(
                $"{folder}: data file {manifest.Data.File} is damaged or altered (manifest: {manifest.Data.Bytes} bytes sha256 {manifest.Data.Sha256}; " +
                $"file: {actual.Bytes} bytes sha256 {actual.Sha256})");
        return manifest;
    }

    /// <summary>The rows of a backup, in backup order.</summary>
    /// <param name="folder">The backup folder.</param>
    /// <param name="manifest">Its manifest (from <see cref="OpenAsync"/>).</param>
    /// <param name="ct">Cancels reading.</param>
    public static async IAsyncEnumerable<BackupRecord> ReadAsync(string folder, BackupManifest manifest, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var file = DataPath(folder, manifest);
        if (manifest.Data.Format == BackupFormat.Ndjson)
        {
            await foreach (var record in ExportFile.ReadAsync(file, ct).ConfigureAwait(false)) yield return record;
            yield break;
        }
        await using var snapshot = await new SqliteJournalDatabase($"Data Source={file}").OpenSnapshotAsync(ct).ConfigureAwait(false);
        await foreach (var record in snapshot.ReadAsync(ct).ConfigureAwait(false)) yield return record;
    }

    /// <summary>Reads every row of a database in one consistent snapshot and sums it up.</summary>
    /// <param name="database">The database.</param>
    /// <param name="progress">Progress reports.</param>
    /// <param name="ct">Cancels reading.</param>
    public static async Task<ContentSummary> SummarizeAsync(JournalDatabase database, IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        await using var snapshot = await database.OpenSnapshotAsync(ct).ConfigureAwait(false);
        using var digest = new ContentDigest();
        await foreach (var _ in Observe(snapshot.ReadAsync(ct), digest, "manifest", snapshot.Counts.Total, progress, ct).ConfigureAwait(false)) { }
        return digest.Summary();
    }

    /// <summary>True when two summaries describe the same rows.</summary>
    /// <param name="a">One summary.</param>
    /// <param name="b">The other.</param>
    public static bool SameContent(ContentSummary a, ContentSummary b) =>
        a.JournalRows == b.JournalRows && a.TagRows == b.TagRows && a.SnapshotRows == b.SnapshotRows
        && a.ContentSha256 == b.ContentSha256 && a.PersistenceIds.SequenceEqual(b.PersistenceIds);

    /// <summary>The first differences between two summaries, for people.</summary>
    /// <param name="actual">What was found.</param>
    /// <param name="expected">What the manifest lists.</param>
    public static string Difference(ContentSummary actual, ContentSummary expected)
    {
        var lines = new List<string>();
        if (actual.JournalRows != expected.JournalRows) lines.Add($"journal rows {actual.JournalRows}, manifest {expected.JournalRows}");
        if (actual.TagRows != expected.TagRows) lines.Add($"tag rows {actual.TagRows}, manifest {expected.TagRows}");
        if (actual.SnapshotRows != expected.SnapshotRows) lines.Add($"snapshot rows {actual.SnapshotRows}, manifest {expected.SnapshotRows}");
        var found = actual.PersistenceIds.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var listed = expected.PersistenceIds.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var id in listed.Keys.Except(found.Keys).Take(5)) lines.Add($"{id} missing");
        foreach (var id in found.Keys.Except(listed.Keys).Take(5)) lines.Add($"{id} not in the manifest");
        foreach (var p in expected.PersistenceIds.Where(p => found.TryGetValue(p.Id, out var f) && f != p).Take(5))
            lines.Add($"{p.Id}: found {found[p.Id]}, manifest {p}");
        if (actual.ContentSha256 != expected.ContentSha256) lines.Add($"content sha256 {actual.ContentSha256}, manifest {expected.ContentSha256}");
        return string.Join("; ", lines);
    }

    /// <summary>The file name of a SQLite-format backup's data file.</summary>
    public const string SqliteBackupFileName = "journal.db";

    private static string DataPath(string folder, BackupManifest manifest)
    {
        // The manifest names a file INSIDE the folder; a path that leaves it is a forged manifest.
        var name = Path.GetFileName(manifest.Data.File);
        if (name != manifest.Data.File || name.Length == 0) throw new InvalidDataException($"{folder}: manifest names an invalid data file '{manifest.Data.File}'");
        return Path.Combine(Path.GetFullPath(folder), name);
    }

    private static async Task<(BackupDataFile Data, ContentSummary Content)> WriteExportFileAsync(
        string folder, IAsyncEnumerable<BackupRecord> records, long total, IProgress<BackupProgress>? progress, CancellationToken ct)
    {
        var file = Path.Combine(folder, ExportFile.FileName);
        using var digest = new ContentDigest();
        await ExportFile.WriteAsync(file, Observe(records, digest, "export", total, progress, ct), ct).ConfigureAwait(false);
        return (await DescribeAsync(file, BackupFormat.Ndjson, ct).ConfigureAwait(false), digest.Summary());
    }

    private static async Task<BackupDataFile> DescribeAsync(string file, BackupFormat format, CancellationToken ct)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
        return new BackupDataFile(Path.GetFileName(file), format, stream.Length, Convert.ToHexStringLower(hash));
    }

    private static async IAsyncEnumerable<BackupRecord> Observe(
        IAsyncEnumerable<BackupRecord> records, ContentDigest digest, string phase, long total,
        IProgress<BackupProgress>? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        progress?.Report(new BackupProgress(phase, 0, total));
        await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
        {
            digest.Add(record);
            if (digest.Rows % 5_000 == 0) progress?.Report(new BackupProgress(phase, digest.Rows, total));
            yield return record;
        }
        progress?.Report(new BackupProgress(phase, digest.Rows, total));
    }
}
