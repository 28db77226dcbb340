using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using AkkaRpc.Backup;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Backup;

/// <summary>
/// A restore is all or nothing: a backup whose rows fail a check, or that the database refuses half-way (a duplicate
/// event found only when the unique index is built after the load), leaves the target exactly as it was, whether the
/// restore created it (a missing SQLite file, an empty PostgreSQL database) or wrote into existing tables. And
/// snapshot-only persistence ids (events deleted behind a snapshot) come back whole.
/// </summary>
public class RestoreAtomicityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    // SQLite-format backups restored into SQLite take the engine's own copy (ATTACH + INSERT ... SELECT): same checks.
    public static TheoryData<Backend, BackupFormat> Formats => new()
    {
        { Backend.Sqlite, BackupFormat.Ndjson },
        { Backend.Sqlite, BackupFormat.Sqlite },
        { Backend.PostgreSql, BackupFormat.Ndjson },
        { Backend.PostgreSql, BackupFormat.Sqlite },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_backup_whose_rows_do_not_match_its_manifest_should_leave_the_target_untouched(Backend backend, BackupFormat format)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        var folder = await BackupAsync("backup", Rows(), format);
        // The data file is intact (its SHA-256 still matches), but the manifest claims other content: a manifest written
        // by something else, or rows that changed between the digest and the file.
        var manifest = await BackupManifest.ReadAsync(folder);
        await (manifest with { Content = manifest.Content with { ContentSha256 = new string('0', 64) } }).WriteAsync(folder);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Backups.RestoreAsync(folder, Database(target), replaceExisting: false));
        Assert.Contains("do not add up to its manifest", error.Message);
        Assert.Contains("nothing was changed", error.Message);
        await AssertUntouchedAsync(target);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_restore_failing_after_the_rows_are_written_should_leave_a_new_target_untouched(Backend backend)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        var folder = await ExportAsync("duplicate", DuplicateEvent());

        await Assert.ThrowsAnyAsync<Exception>(() => Backups.RestoreAsync(folder, Database(target), replaceExisting: false));
        await AssertUntouchedAsync(target);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_restore_failing_in_the_middle_of_the_load_should_leave_a_new_target_untouched(Backend backend)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        // Two journal rows with the same ordering: the primary key refuses the second while the rows stream in.
        var duplicate = await ExportAsync("duplicate-ordering",
        [
            new JournalRecord(1, 10, false, "accounts/a", 1, [1], null, null, null),
            new JournalRecord(1, 11, false, "accounts/a", 2, [2], null, null, null),
            new SnapshotRecord("accounts/a", 1, 13, [9], null, null),
        ]);
        await Assert.ThrowsAnyAsync<Exception>(() => Backups.RestoreAsync(duplicate, Database(target), replaceExisting: false));
        await AssertUntouchedAsync(target);

        // A row the decoder refuses after thousands were written (a file whose SHA-256 matches a damaged manifest).
        var rows = Enumerable.Range(1, 5000)
            .Select(i => (BackupRecord)new JournalRecord(i, 10, false, "accounts/a", i, [1, 2, 3], "m", 1, "w")).ToArray();
        var damaged = await ExportAsync("damaged-row", rows);
        var data = Path.Combine(damaged, ExportFile.FileName);
        var lines = new List<string>();
        await using (var gzip = new GZipStream(File.OpenRead(data), CompressionMode.Decompress))
        using (var reader = new StreamReader(gzip))
            while (await reader.ReadLineAsync() is { } line) lines.Add(line);
        lines[4000] = lines[4000].Replace("\"ordering\":", "\"ordering\":\"x\",\"o\":", StringComparison.Ordinal);
        await using (var gzip = new GZipStream(File.Create(data), CompressionLevel.Fastest))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        var manifest = await BackupManifest.ReadAsync(damaged);
        var bytes = await File.ReadAllBytesAsync(data);
        await (manifest with { Data = manifest.Data with { Bytes = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) } }).WriteAsync(damaged);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Backups.RestoreAsync(damaged, Database(target), replaceExisting: false));
        Assert.Contains("line 4001", error.Message);
        await AssertUntouchedAsync(target);

        // The database is still usable: a good backup restores afterwards.
        await Backups.RestoreAsync(await ExportAsync("good", Rows()), Database(target), replaceExisting: false);
        Assert.Equal(new RowCounts(3, 1, 2), await Database(target).CountAsync());
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_restore_failing_after_the_rows_are_written_should_leave_existing_empty_tables_empty(Backend backend)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        // Empty journal tables, as a node that started once leaves them.
        await Backups.RestoreAsync(await ExportAsync("empty", []), Database(target), replaceExisting: false);
        var folder = await ExportAsync("duplicate", DuplicateEvent());

        await Assert.ThrowsAnyAsync<Exception>(() => Backups.RestoreAsync(folder, Database(target), replaceExisting: false));
        Assert.Equal(new RowCounts(0, 0, 0), await Database(target).CountAsync());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Snapshot_only_persistence_ids_and_tags_should_be_restored_whole(Backend backend, BackupFormat format)
    {
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        var folder = await BackupAsync("backup", Rows(), format);

        var manifest = await Backups.RestoreAsync(folder, Database(target), replaceExisting: false);
        var restored = await Backups.SummarizeAsync(Database(target));
        Assert.True(Backups.SameContent(manifest.Content, restored), Backups.Difference(restored, manifest.Content));
        Assert.Contains(restored.PersistenceIds, p => p is { Id: "accounts/snapshot-only", Events: 0, Snapshots: 1, HighestSnapshotSequenceNr: 100 });
        Assert.Equal(new RowCounts(3, 1, 2), await Database(target).CountAsync());
        if (backend == Backend.Sqlite)
            Assert.Empty(Directory.GetFiles(_folder.Path, "*.restore-*")); // the temporary file became target.db
    }

    private static BackupRecord[] Rows() =>
    [
        new JournalRecord(1, 10, false, "accounts/a", 1, [1, 2, 3], "rpc.applied", 7301, "w"),
        new JournalRecord(2, 11, false, "accounts/a", 2, [4], "rpc.applied", 7301, "w"),
        new JournalRecord(5, 12, false, "accounts/b", 1, [5], null, null, null),
        new TagRecord(2, "t", 2, "accounts/a"),
        new SnapshotRecord("accounts/a", 2, 13, [9, 9], "rpc.state", 7301),
        new SnapshotRecord("accounts/snapshot-only", 100, 14, [8], "rpc.state", 7301),
    ];

    // Two events with the same (persistence id, sequence number): only the unique index, built after the load, sees it.
    private static BackupRecord[] DuplicateEvent() =>
    [
        new JournalRecord(1, 10, false, "accounts/a", 1, [1], null, null, null),
        new JournalRecord(2, 11, false, "accounts/a", 1, [2], null, null, null),
        new SnapshotRecord("accounts/a", 1, 13, [9], null, null),
    ];

    private async Task<string> ExportAsync(string name, BackupRecord[] rows)
    {
        var folder = _folder.File(name);
        await Backups.ExportAsync(rows.AsAsync(), folder, "test rows", TimeProvider.System);
        return folder;
    }

    // A SQLite-format backup of a SQLite file holding the rows (the online backup API's copy, as `akkarpc backup` makes).
    private async Task<string> BackupAsync(string name, BackupRecord[] rows, BackupFormat format)
    {
        var export = await ExportAsync(name + "-export", rows);
        if (format == BackupFormat.Ndjson) return export;
        var source = new SqliteJournalDatabase($"Data Source={_folder.File(name + "-source.db")}");
        await Backups.RestoreAsync(export, source, replaceExisting: false);
        var folder = _folder.File(name);
        await Backups.CreateAsync(source, folder, BackupFormat.Sqlite, TimeProvider.System);
        return folder;
    }

    private async Task AssertUntouchedAsync(TestDatabase target)
    {
        if (target.Backend == Backend.Sqlite)
            Assert.Empty(Directory.GetFiles(_folder.Path, "*target.db*")); // no database, no temporary file left behind
        else
            Assert.Null(await Database(target).CountAsync()); // not even the tables
    }

    private static JournalDatabase Database(TestDatabase database) => JournalDatabase.For(database.Options);

    public void Dispose() => _folder.Dispose();
}
