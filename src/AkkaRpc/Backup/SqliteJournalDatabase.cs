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
    public override async Task<RowCounts> WriteAsync(
        IAsyncEnumerable<BackupRecord> records, bool replaceExisting, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        SqliteFile.Prepare(new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ConnectionString);
        await using var connection = SqliteConnections.Create(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // IMMEDIATE: take the write lock now, so no node can write between the emptiness check and the restore.
        await using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var statement in JournalSchema.Sqlite) await ExecuteAsync(connection, transaction, statement, ct).ConfigureAwait(false);
        var existing = await CountAsync(connection, transaction, ct).ConfigureAwait(false);
        if (existing.Total > 0)
        {
            if (!replaceExisting)
                throw new RestoreRefusedException(
                    $"{Description} is not empty ({existing.Journal} journal, {existing.Tags} tag, {existing.Snapshots} snapshot rows); " +
                    "nothing was changed. Restore into an empty database, or pass --force to replace its contents.");
            foreach (var table in JournalSchema.Tables) await ExecuteAsync(connection, transaction, $"DELETE FROM {table}", ct).ConfigureAwait(false);
        }

        await using var journal = Prepare(connection, transaction,
            "INSERT INTO journal (ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) " +
            "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8)", 9);
        await using var tags = Prepare(connection, transaction,
            "INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES ($p0, $p1, $p2, $p3)", 4);
        await using var snapshots = Prepare(connection, transaction,
            "INSERT INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)", 6);

        long j = 0, t = 0, s = 0;
        await foreach (var record in records.WithCancellation(ct).ConfigureAwait(false))
        {
            switch (record)
            {
                case JournalRecord r:
                    Run(journal, r.Ordering, r.Created, r.Deleted, r.PersistenceId, r.SequenceNr, r.Message, r.Manifest, r.SerializerId, r.WriterUuid);
                    j++;
                    break;
                case TagRecord r:
                    Run(tags, r.OrderingId, r.Tag, r.SequenceNr, r.PersistenceId);
                    t++;
                    break;
                case SnapshotRecord r:
                    Run(snapshots, r.PersistenceId, r.SequenceNr, r.Created, r.Snapshot, r.Manifest, r.SerializerId);
                    s++;
                    break;
            }
            if ((j + t + s) % 10_000 == 0) progress?.Report(j + t + s);
        }
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        progress?.Report(j + t + s);
        return new RowCounts(j, t, s);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++) command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }
}
