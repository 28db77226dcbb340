using System.Data.Common;
using System.Runtime.CompilerServices;
using AkkaRpc.Persistence;

namespace AkkaRpc.Backup;

/// <summary>
/// A journal database (SQLite file or PostgreSQL database) seen as rows: read in one consistent snapshot, written in
/// one transaction. The backup, export, restore and verify operations are built on this.
/// </summary>
public abstract class JournalDatabase
{
    /// <summary>The database behind <paramref name="options"/>; throws <see cref="ArgumentException"/> for in-memory.</summary>
    /// <param name="options">Provider and connection string, as a node is configured.</param>
    public static JournalDatabase For(PersistenceOptions options) => options.Provider switch
    {
        JournalProvider.Sqlite => new SqliteJournalDatabase(options.EffectiveConnectionString),
        JournalProvider.PostgreSql => new PostgresJournalDatabase(options.EffectiveConnectionString),
        _ => throw new ArgumentException($"provider {options.Provider} has no database to back up or restore"),
    };

    /// <summary>The database kind.</summary>
    public abstract JournalProvider Provider { get; }

    /// <summary>The database, named for people, without its password.</summary>
    public abstract string Description { get; }

    /// <summary>Row counts, or null when the journal tables do not exist yet.</summary>
    /// <param name="ct">Cancels the query.</param>
    public async Task<RowCounts?> CountAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(readOnly: true, ct).ConfigureAwait(false);
        if (!await TablesExistAsync(connection, null, ct).ConfigureAwait(false)) return null;
        return await CountAsync(connection, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a consistent point-in-time view: everything read through it (counts and rows) is the state of one
    /// moment, while nodes keep writing. Throws <see cref="InvalidOperationException"/> when there is no journal.
    /// </summary>
    /// <param name="ct">Cancels opening.</param>
    public async Task<JournalSnapshot> OpenSnapshotAsync(CancellationToken ct = default)
    {
        var connection = await OpenAsync(readOnly: true, ct).ConfigureAwait(false);
        try
        {
            var transaction = await BeginSnapshotAsync(connection, ct).ConfigureAwait(false);
            if (!await TablesExistAsync(connection, transaction, ct).ConfigureAwait(false))
                throw new InvalidOperationException($"{Description} has no journal tables (journal, tags, snapshot)");
            // The first read fixes the snapshot (SQLite WAL: the read mark; PostgreSQL REPEATABLE READ: the first
            // statement), so counts and rows below describe the same instant.
            var counts = await CountAsync(connection, transaction, ct).ConfigureAwait(false);
            return new JournalSnapshot(this, connection, transaction, counts);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="records"/> (journal rows, then tags, then snapshots) into this database in ONE
    /// transaction (or an equivalent all-or-nothing step), creating the tables when missing. A database that already
    /// holds rows is refused with <see cref="RestoreRefusedException"/> unless <paramref name="replaceExisting"/>, which
    /// first deletes them in the same transaction. Any failure, including one thrown by
    /// <paramref name="checkBeforeCommit"/>, rolls everything back: the target is as it was.
    /// </summary>
    /// <param name="records">The rows, in backup order.</param>
    /// <param name="replaceExisting">Delete existing rows first instead of refusing.</param>
    /// <param name="checkBeforeCommit">Runs once every row is written, before anything becomes visible or durable:
    /// it receives the written rows read back through the writing transaction, in backup order, and throws to refuse
    /// them (the write is then rolled back).</param>
    /// <param name="progress">Receives the number of rows written so far.</param>
    /// <param name="ct">Cancels the write (and rolls it back).</param>
    public abstract Task<RowCounts> WriteAsync(
        IAsyncEnumerable<BackupRecord> records, bool replaceExisting,
        Func<IAsyncEnumerable<BackupRecord>, CancellationToken, Task>? checkBeforeCommit = null,
        IProgress<long>? progress = null, CancellationToken ct = default);

    /// <summary>Writes (or refreshes) this node's heartbeat row, stamped with the database's clock (see <see cref="NodeHeartbeat"/>).</summary>
    /// <param name="address">The node's cluster address.</param>
    /// <param name="host">Its machine.</param>
    /// <param name="pid">Its process id.</param>
    /// <param name="ct">Cancels the write.</param>
    public async Task HeartbeatAsync(string address, string host, long pid, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(readOnly: false, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, null, HeartbeatTableSql, ct).ConfigureAwait(false);
        await using var command = Command(connection, null,
            "INSERT INTO akkarpc_nodes (address, host, pid, seen_ms) VALUES (@address, @host, @pid, " + NowMillisSql + ") " +
            "ON CONFLICT (address) DO UPDATE SET host = excluded.host, pid = excluded.pid, seen_ms = excluded.seen_ms");
        Parameter(command, "@address", address);
        Parameter(command, "@host", host);
        Parameter(command, "@pid", pid);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a node's heartbeat row (graceful shutdown); nothing happens when there is none.</summary>
    /// <param name="address">The node's cluster address.</param>
    /// <param name="ct">Cancels the delete.</param>
    public async Task RemoveHeartbeatAsync(string address, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(readOnly: false, ct).ConfigureAwait(false);
        if (!await HeartbeatTableExistsAsync(connection, ct).ConfigureAwait(false)) return;
        await using var command = Command(connection, null, "DELETE FROM akkarpc_nodes WHERE address = @address");
        Parameter(command, "@address", address);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The nodes whose heartbeat is younger than <paramref name="within"/> (by the database's clock): a cluster that
    /// is running against this database. Empty when no node ever wrote one, or the database does not exist yet.
    /// </summary>
    /// <param name="within">How recent a heartbeat must be (normally <see cref="NodeHeartbeat.LiveWithin"/>).</param>
    /// <param name="ct">Cancels the query.</param>
    public async Task<IReadOnlyList<LiveNode>> LiveNodesAsync(TimeSpan within, CancellationToken ct = default)
    {
        if (!Exists) return [];
        await using var connection = await OpenAsync(readOnly: true, ct).ConfigureAwait(false);
        if (!await HeartbeatTableExistsAsync(connection, ct).ConfigureAwait(false)) return [];
        await using var command = Command(connection, null,
            $"SELECT address, host, pid, {NowMillisSql} - seen_ms FROM akkarpc_nodes WHERE seen_ms > {NowMillisSql} - @within ORDER BY address");
        Parameter(command, "@within", (long)within.TotalMilliseconds);
        var nodes = new List<LiveNode>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            nodes.Add(new LiveNode(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), TimeSpan.FromMilliseconds(Math.Max(0, reader.GetInt64(3)))));
        return nodes;
    }

    /// <summary>False when the database itself is missing (a SQLite file not created yet).</summary>
    internal virtual bool Exists => true;

    /// <summary>CREATE TABLE IF NOT EXISTS of the heartbeat table, in this backend's dialect.</summary>
    internal abstract string HeartbeatTableSql { get; }

    /// <summary>An SQL expression: the database's clock as Unix milliseconds.</summary>
    internal abstract string NowMillisSql { get; }

    internal abstract Task<bool> HeartbeatTableExistsAsync(DbConnection connection, CancellationToken ct);

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    internal abstract Task<DbConnection> OpenAsync(bool readOnly, CancellationToken ct);

    internal abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct);

    internal abstract Task<bool> TablesExistAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct);

    /// <summary>Journal by ordering, tags by (ordering, tag), snapshots by (persistence id, sequence nr), with a
    /// byte-wise text order, so every backend yields the same sequence and the content checksum matches.</summary>
    internal abstract string JournalQuery { get; }

    internal abstract string TagsQuery { get; }

    internal abstract string SnapshotsQuery { get; }

    internal static async Task<RowCounts> CountAsync(DbConnection connection, DbTransaction? transaction, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT (SELECT COUNT(*) FROM journal), (SELECT COUNT(*) FROM tags), (SELECT COUNT(*) FROM snapshot)";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return new RowCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    internal async IAsyncEnumerable<BackupRecord> ReadAsync(
        DbConnection connection, DbTransaction transaction, [EnumeratorCancellation] CancellationToken ct)
    {
        await using (var command = Command(connection, transaction, JournalQuery))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                yield return new JournalRecord(
                    reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2), reader.GetString(3), reader.GetInt64(4),
                    reader.GetFieldValue<byte[]>(5), NullableString(reader, 6), reader.IsDBNull(7) ? null : reader.GetInt32(7),
                    NullableString(reader, 8));
        }
        await using (var command = Command(connection, transaction, TagsQuery))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                yield return new TagRecord(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
        }
        await using (var command = Command(connection, transaction, SnapshotsQuery))
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                yield return new SnapshotRecord(
                    reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), NullableString(reader, 4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5));
        }
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        // A backup of a large journal is one long read; the provider's default 30 s would cut it off.
        command.CommandTimeout = 0;
        return command;
    }

    internal static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string? NullableString(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}

/// <summary>A consistent point-in-time view of a journal database (see <see cref="JournalDatabase.OpenSnapshotAsync"/>).</summary>
public sealed class JournalSnapshot : IAsyncDisposable
{
    private readonly JournalDatabase _database;
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    internal JournalSnapshot(JournalDatabase database, DbConnection connection, DbTransaction transaction, RowCounts counts)
    {
        _database = database;
        _connection = connection;
        _transaction = transaction;
        Counts = counts;
    }

    /// <summary>Rows in this view.</summary>
    public RowCounts Counts { get; }

    /// <summary>Every row of this view: journal (by ordering), then tags, then snapshots.</summary>
    /// <param name="ct">Cancels reading.</param>
    public IAsyncEnumerable<BackupRecord> ReadAsync(CancellationToken ct = default) => _database.ReadAsync(_connection, _transaction, ct);

    /// <summary>Ends the read transaction.</summary>
    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>A restore or import was refused because the target database already holds journal rows.</summary>
public sealed class RestoreRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is in the way and how to override.</param>
    public RestoreRefusedException(string message) : base(message) { }
}
