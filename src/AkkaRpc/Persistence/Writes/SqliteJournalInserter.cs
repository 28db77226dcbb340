using Microsoft.Data.Sqlite;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// Journal rows into SQLite through one long-lived connection and one prepared INSERT: SQLite parses and plans the
/// statement once, instead of once per write (the plugin's path through linq2db built and prepared the SQL for every
/// write and opened a pooled connection, running its pragmas, each time).
/// </summary>
internal sealed class SqliteJournalInserter : IJournalInserter
{
    private readonly string _connectionString;
    private readonly SqliteSynchronous _synchronous;
    private readonly int _checkpointPages;
    private readonly string _sql;
    private readonly string _writerUuid;
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;
    private SqliteParameter[] _parameters = [];

    /// <param name="connectionString">The journal database.</param>
    /// <param name="synchronous">The synchronous level of the writer's connection.</param>
    /// <param name="checkpointPages">WAL pages after which a commit of this connection checkpoints; 0 keeps SQLite's.</param>
    /// <param name="table">The plugin's journal table and columns.</param>
    /// <param name="writerUuid">This journal instance's writer id, stored on every row as the plugin does.</param>
    public SqliteJournalInserter(string connectionString, SqliteSynchronous synchronous, int checkpointPages, JournalTable table, string writerUuid)
    {
        _connectionString = connectionString;
        _synchronous = synchronous;
        _checkpointPages = checkpointPages;
        _writerUuid = writerUuid;
        _sql = $"INSERT INTO {table.Name} ({table.InsertColumns}) VALUES ($created, 0, $pid, $seq, $message, $manifest, $identifier, $writer)";
    }

    public Task InsertAsync(IReadOnlyList<JournalRowData[]> writes, CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite runs every call synchronously (its async methods only wrap the sync ones), so the
        // sync API is used directly; the caller runs this off the actor threads.
        cancellationToken.ThrowIfCancellationRequested();
        var insert = Prepare();
        // BEGIN IMMEDIATE: take the write lock up front (busy_timeout waits for it) rather than upgrade mid-way.
        using var transaction = _connection!.BeginTransaction(deferred: false);
        insert.Transaction = transaction;
        foreach (var rows in writes)
        {
            foreach (var row in rows)
            {
                _parameters[0].Value = row.Created;
                _parameters[1].Value = row.PersistenceId;
                _parameters[2].Value = row.SequenceNr;
                _parameters[3].Value = row.Message;
                _parameters[4].Value = row.Manifest;
                _parameters[5].Value = row.SerializerId;
                insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return Task.CompletedTask;
    }

    private SqliteCommand Prepare()
    {
        if (_insert is not null) return _insert;
        // The commits of this connection are the ones that reach the checkpoint size (PersistenceOptions.SqliteCheckpointPages).
        _connection = SqliteConnections.Create(_connectionString, _synchronous, checkpointPages: _checkpointPages);
        _connection.Open();
        var insert = _connection.CreateCommand();
        insert.CommandText = _sql;
        _parameters =
        [
            insert.Parameters.Add("$created", SqliteType.Integer),
            insert.Parameters.Add("$pid", SqliteType.Text),
            insert.Parameters.Add("$seq", SqliteType.Integer),
            insert.Parameters.Add("$message", SqliteType.Blob),
            insert.Parameters.Add("$manifest", SqliteType.Text),
            insert.Parameters.Add("$identifier", SqliteType.Integer),
        ];
        insert.Parameters.AddWithValue("$writer", _writerUuid);
        insert.Prepare();
        _insert = insert;
        return insert;
    }

    public ValueTask ResetAsync()
    {
        _insert?.Dispose();
        _insert = null;
        _connection?.Dispose();
        _connection = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ResetAsync();
}
