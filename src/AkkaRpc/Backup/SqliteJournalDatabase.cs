using System.Data.Common;
using AkkaRpc.Persistence;
using Microsoft.Data.Sqlite;

namespace AkkaRpc.Backup;

/// <summary>A SQLite journal file.</summary>
public sealed class SqliteJournalDatabase : JournalDatabase
{
    private readonly string _connectionString;

    /// <summary>The file named by <paramref name="connectionString"/> (a Microsoft.Data.Sqlite connection string).</summary>
    public SqliteJournalDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
            throw new ArgumentException("a SQLite journal for backup or restore must be a file (Data Source=path)");
        _connectionString = connectionString;
        FilePath = Path.GetFullPath(builder.DataSource);
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public override JournalProvider Provider => JournalProvider.Sqlite;

    /// <inheritdoc />
    public override string Description => $"SQLite {FilePath}";

    /// <summary>
    /// Copies the live file to <paramref name="destination"/> with SQLite's online backup API: a consistent copy of one
    /// moment, taken while nodes keep writing (in WAL mode readers never block the writer). The copy is switched to
    /// a rollback journal so that it is one self-contained file.
    /// </summary>
    /// <param name="destination">The new file; must not exist.</param>
    public void BackupTo(string destination)
    {
        if (File.Exists(destination)) throw new IOException($"{destination} already exists");
        using var source = OpenExisting(readOnly: false);
        using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ConnectionString))
        {
            target.Open();
            source.BackupDatabase(target);
            using var command = target.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE;";
            command.ExecuteNonQuery();
        }
    }

    internal override Task<DbConnection> OpenAsync(bool readOnly, CancellationToken ct) => Task.FromResult<DbConnection>(OpenExisting(readOnly));

    private SqliteConnection OpenExisting(bool readOnly)
    {
        // Opening a missing file would create an empty database: a typo in a path must be an error instead.
        if (!File.Exists(FilePath)) throw new FileNotFoundException($"SQLite journal {FilePath} does not exist", FilePath);
        var builder = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false };
        if (readOnly) builder.Mode = SqliteOpenMode.ReadOnly;
        var connection = SqliteConnections.Create(builder.ConnectionString);
        connection.Open();
        return connection;
    }

    internal override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

    internal override async Task<bool> TablesExistAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct)
    {
        await using var command = Command(connection, transaction,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal', 'tags', 'snapshot')");
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 3;
    }

    internal override bool Exists => File.Exists(FilePath);

    internal override string HeartbeatTableSql =>
        "CREATE TABLE IF NOT EXISTS akkarpc_nodes (address TEXT NOT NULL PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, seen_ms INTEGER NOT NULL)";

    // julianday('now') is the clock of the machine running SQLite: the one machine every node on this file shares.
    internal override string NowMillisSql => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

    internal override async Task<bool> HeartbeatTableExistsAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = Command(connection, null, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'akkarpc_nodes'");
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    internal override string JournalQuery =>
        "SELECT ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid FROM journal ORDER BY ordering";

    internal override string TagsQuery =>
        "SELECT ordering_id, tag, sequence_nr, persistence_id FROM tags ORDER BY ordering_id, tag COLLATE BINARY";

    internal override string SnapshotsQuery =>
        "SELECT persistence_id, sequence_number, created, snapshot, manifest, serializer_id FROM snapshot ORDER BY persistence_id COLLATE BINARY, sequence_number";

    /// <inheritdoc />
    /// <remarks>
    /// Into a file that does not exist yet (the usual restore: the database was lost) the rows go into a temporary
    /// file next to it, without a rollback journal or fsyncs while loading, with the secondary indexes built after the
    /// rows; once <paramref name="checkBeforeCommit"/> accepted it, the file is switched to WAL, fsynced and renamed into
    /// place in one atomic step. A failure (or a crash) before the rename leaves no database at the path: nothing was
    /// applied. Into an existing file (tables a node made, or <paramref name="replaceExisting"/>) the rows are written
    /// in one IMMEDIATE transaction of that file instead (WAL, fsynced on commit).
    /// </remarks>
    public override Task<RowCounts> WriteAsync(
        IAsyncEnumerable<BackupRecord> records, bool replaceExisting,
        Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit = null,
        IProgress<long>? progress = null, CancellationToken ct = default) =>
        FileOrSidecarExists()
            ? WriteInPlaceAsync(records, null, replaceExisting, checkBeforeCommit, progress, ct)
            : WriteNewFileAsync(records, null, checkBeforeCommit, progress, ct);

    /// <summary>
    /// <see cref="WriteAsync"/> for rows that are the journal tables of another SQLite file (a SQLite-format backup):
    /// SQLite copies them itself from the attached file (<c>INSERT ... SELECT</c>, no managed code per row), while
    /// <paramref name="records"/>, the same rows read through their own connection, are enumerated alongside only for
    /// the caller's checks. Same all-or-nothing steps as <see cref="WriteAsync"/>.
    /// </summary>
    /// <param name="sourceFile">The SQLite file to copy from; only read.</param>
    /// <param name="records">Its rows, in backup order (enumerated, not written).</param>
    /// <param name="replaceExisting">Delete existing rows first instead of refusing.</param>
    /// <param name="checkBeforeCommit">As for <see cref="WriteAsync"/>.</param>
    /// <param name="ct">Cancels the copy (and rolls it back).</param>
    public Task<RowCounts> CopyFromAsync(
        string sourceFile, IAsyncEnumerable<BackupRecord> records, bool replaceExisting,
        Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit = null, CancellationToken ct = default)
    {
        var source = Path.GetFullPath(sourceFile);
        if (!File.Exists(source)) throw new FileNotFoundException($"SQLite file {source} does not exist", source);
        return FileOrSidecarExists()
            ? WriteInPlaceAsync(records, source, replaceExisting, checkBeforeCommit, null, ct)
            : WriteNewFileAsync(records, source, checkBeforeCommit, null, ct);
    }

    // A -wal or -journal left without its database would be applied to whatever file appears under the name.
    private bool FileOrSidecarExists() =>
        File.Exists(FilePath) || File.Exists(FilePath + "-wal") || File.Exists(FilePath + "-journal");

    private async Task<RowCounts> WriteNewFileAsync(
        IAsyncEnumerable<BackupRecord> records, string? copyFrom, Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit,
        IProgress<long>? progress, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(FilePath)}.restore-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            RowCounts counts;
            var builder = new SqliteConnectionStringBuilder(_connectionString) { DataSource = temp, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
            await using (var connection = SqliteConnections.Create(builder.ConnectionString))
            {
                await connection.OpenAsync(ct).ConfigureAwait(false);
                // Nobody else knows this file, and a failure deletes it: no rollback journal and no fsync while loading
                // (measured: the WAL path wrote every page twice). The cache holds the index builds' working set.
                await ExecuteAsync(connection, null,
                    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;", ct).ConfigureAwait(false);
                if (copyFrom is not null) await AttachAsync(connection, copyFrom, ct).ConfigureAwait(false);
                await using (var transaction = connection.BeginTransaction(deferred: false))
                {
                    foreach (var statement in JournalSchema.SqliteTables) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
                    counts = await LoadAsync(connection, transaction, records, copyFrom is not null, progress, ct).ConfigureAwait(false);
                    if (checkBeforeCommit is not null) await checkBeforeCommit(ReadAsync(connection, transaction, ct), ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                }
                if (copyFrom is not null) await ExecuteAsync(connection, null, "DETACH DATABASE backup", ct).ConfigureAwait(false);
                // WAL is what the nodes need (several processes on one file); it is a property of the file.
                await using var wal = Command(connection, null, "PRAGMA journal_mode=WAL;");
                var mode = await wal.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidOperationException($"SQLite file {temp} refused WAL mode (got '{mode}')");
            }
            // Durable before it becomes the database: the rename must not publish pages still in the page cache.
            await using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
                file.Flush(flushToDisk: true);
            if (FileOrSidecarExists())
                throw new IOException($"{FilePath} appeared while the restore was loading (a node started?); nothing was changed");
            // Without overwrite: fails instead of replacing a file that appeared after the check above.
            File.Move(temp, FilePath, overwrite: false);
            // Best effort: the rename is already visible; on Linux also make it durable before reporting success.
            DirectorySync.Flush(folder);
            progress?.Report(counts.Total);
            return counts;
        }
        finally
        {
            foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm", temp + "-journal" })
            {
                try { File.Delete(leftover); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }

    private async Task<RowCounts> WriteInPlaceAsync(
        IAsyncEnumerable<BackupRecord> records, string? copyFrom, bool replaceExisting,
        Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit, IProgress<long>? progress, CancellationToken ct)
    {
        SqliteFile.Prepare(new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ConnectionString);
        await using var connection = SqliteConnections.Create(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;", ct).ConfigureAwait(false);
        if (copyFrom is not null) await AttachAsync(connection, copyFrom, ct).ConfigureAwait(false);
        // IMMEDIATE: take the write lock now, so no node can write between the emptiness check and the restore.
        await using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var statement in JournalSchema.SqliteTables) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
        var existing = await CountAsync(connection, transaction, ct).ConfigureAwait(false);
        if (existing.Total > 0)
        {
            if (!replaceExisting)
                throw new RestoreRefusedException(
                    $"{Description} is not empty ({existing.Journal} journal, {existing.Tags} tag, {existing.Snapshots} snapshot rows); " +
                    "nothing was changed. Restore into an empty database, or pass --force to replace its contents.");
            foreach (var table in JournalSchema.Tables) await ExecuteAsync(connection, transaction, $"DELETE FROM {table}", ct).ConfigureAwait(false);
        }
        var counts = await LoadAsync(connection, transaction, records, copyFrom is not null, progress, ct).ConfigureAwait(false);
        if (checkBeforeCommit is not null) await checkBeforeCommit(ReadAsync(connection, transaction, ct), ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        progress?.Report(counts.Total);
        return counts;
    }

    // The backup file under the schema name "backup"; only SELECTed from. ATTACH is refused inside a transaction, so
    // it comes first.
    private static async Task AttachAsync(SqliteConnection connection, string file, CancellationToken ct)
    {
        await using var attach = Command(connection, null, "ATTACH DATABASE $file AS backup");
        attach.Parameters.Add(new SqliteParameter("$file", file));
        await attach.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // Into tables with their primary keys only, the rows, then the secondary indexes: one sorted build each instead of
    // a random B-tree insert per row. Indexes that exist already (tables a node made) are kept and maintained per row.
    private static async Task<RowCounts> LoadAsync(
        SqliteConnection connection, SqliteTransaction transaction, IAsyncEnumerable<BackupRecord> records, bool fromAttached,
        IProgress<long>? progress, CancellationToken ct)
    {
        var counts = fromAttached
            ? await CopyAttachedAsync(connection, transaction, records, ct).ConfigureAwait(false)
            : await InsertAsync(connection, transaction, records, progress, ct).ConfigureAwait(false);
        foreach (var statement in JournalSchema.SqliteIndexes) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
        return counts;
    }

    private static async Task<RowCounts> InsertAsync(
        SqliteConnection connection, SqliteTransaction transaction, IAsyncEnumerable<BackupRecord> records, IProgress<long>? progress, CancellationToken ct)
    {
        long j = 0, t = 0, s = 0;
        await using (var journal = new JournalInsert(connection, transaction))
        await using (var tags = new TagInsert(connection, transaction))
        await using (var snapshots = new SnapshotInsert(connection, transaction))
        {
            await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
            {
                switch (record)
                {
                    case JournalRecord r: journal.Run(r); j++; break;
                    case TagRecord r: tags.Run(r); t++; break;
                    case SnapshotRecord r: snapshots.Run(r); s++; break;
                }
                if ((j + t + s) % 10_000 == 0) progress?.Report(j + t + s);
            }
        }
        return new RowCounts(j, t, s);
    }

    // SQLite copies the rows inside its own engine, in backup order; meanwhile the same rows are read through their own
    // connection on another thread, for the caller's checks (the manifest digest), and discarded here.
    private static async Task<RowCounts> CopyAttachedAsync(
        SqliteConnection connection, SqliteTransaction transaction, IAsyncEnumerable<BackupRecord> records, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var drain = Task.Run(async () =>
        {
            await foreach (var _ in records.WithCancellation(stop.Token).ConfigureAwait(false)) { }
        }, CancellationToken.None);
        try
        {
            var journal = await CopyTableAsync(connection, transaction,
                "INSERT INTO main.journal (ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) " +
                "SELECT ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid FROM backup.journal ORDER BY ordering", ct).ConfigureAwait(false);
            var tags = await CopyTableAsync(connection, transaction,
                "INSERT INTO main.tags (ordering_id, tag, sequence_nr, persistence_id) " +
                "SELECT ordering_id, tag, sequence_nr, persistence_id FROM backup.tags ORDER BY ordering_id, tag COLLATE BINARY", ct).ConfigureAwait(false);
            var snapshots = await CopyTableAsync(connection, transaction,
                "INSERT INTO main.snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id) " +
                "SELECT persistence_id, sequence_number, created, snapshot, manifest, serializer_id FROM backup.snapshot " +
                "ORDER BY persistence_id COLLATE BINARY, sequence_number", ct).ConfigureAwait(false);
            await drain.ConfigureAwait(false);
            return new RowCounts(journal, tags, snapshots);
        }
        finally
        {
            // A failed copy must not leave the backup being read on another thread.
            await stop.CancelAsync().ConfigureAwait(false);
            try { await drain.ConfigureAwait(false); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        }
    }

    private static async Task<long> CopyTableAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, transaction, sql);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
