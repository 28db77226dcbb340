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
            ? WriteInPlaceAsync(records, replaceExisting, checkBeforeCommit, progress, ct)
            : WriteNewFileAsync(records, checkBeforeCommit, progress, ct);

    // A -wal or -journal left without its database would be applied to whatever file appears under the name.
    private bool FileOrSidecarExists() =>
        File.Exists(FilePath) || File.Exists(FilePath + "-wal") || File.Exists(FilePath + "-journal");

    private async Task<RowCounts> WriteNewFileAsync(
        IAsyncEnumerable<BackupRecord> records, Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit,
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
                await using (var transaction = connection.BeginTransaction(deferred: false))
                {
                    foreach (var statement in JournalSchema.SqliteTables) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
                    counts = await LoadAsync(connection, transaction, records, progress, ct).ConfigureAwait(false);
                    if (checkBeforeCommit is not null) await checkBeforeCommit(ReadAsync(connection, transaction, ct), ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                }
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
        IAsyncEnumerable<BackupRecord> records, bool replaceExisting,
        Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit, IProgress<long>? progress, CancellationToken ct)
    {
        SqliteFile.Prepare(new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ConnectionString);
        await using var connection = SqliteConnections.Create(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;", ct).ConfigureAwait(false);
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
        var counts = await LoadAsync(connection, transaction, records, progress, ct).ConfigureAwait(false);
        if (checkBeforeCommit is not null) await checkBeforeCommit(ReadAsync(connection, transaction, ct), ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        progress?.Report(counts.Total);
        return counts;
    }

    // Into tables with their primary keys only, the rows, then the secondary indexes: one sorted build each instead of
    // a random B-tree insert per row. Indexes that exist already (tables a node made) are kept and maintained per row.
    private static async Task<RowCounts> LoadAsync(
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
        foreach (var statement in JournalSchema.SqliteIndexes) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
        return new RowCounts(j, t, s);
    }
}
