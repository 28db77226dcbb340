using Microsoft.Data.Sqlite;

namespace AkkaRpc.Backup;

/// <summary>
/// A prepared INSERT of one table's rows, its parameters set in place for every row (a restore runs it a million
/// times: no argument array or command per row).
/// </summary>
internal abstract class SqliteRowInsert : IAsyncDisposable
{
    private readonly SqliteCommand _command;

    protected SqliteRowInsert(SqliteConnection connection, SqliteTransaction transaction, string table, string[] columns)
    {
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        Parameters = new SqliteParameter[columns.Length];
        for (var i = 0; i < columns.Length; i++) Parameters[i] = _command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        _command.Prepare();
    }

    protected SqliteParameter[] Parameters { get; }

    protected void Execute() => _command.ExecuteNonQuery();

    protected static object Nullable(object? value) => value ?? DBNull.Value;

    public ValueTask DisposeAsync() => _command.DisposeAsync();
}

/// <summary>INSERT of <c>journal</c> rows, keeping their ordering.</summary>
internal sealed class JournalInsert(SqliteConnection connection, SqliteTransaction transaction) : SqliteRowInsert(connection, transaction, "journal",
    ["ordering", "created", "deleted", "persistence_id", "sequence_number", "message", "manifest", "identifier", "writer_uuid"])
{
    public void Run(JournalRecord r)
    {
        var p = Parameters;
        p[0].Value = r.Ordering; p[1].Value = r.Created; p[2].Value = r.Deleted; p[3].Value = r.PersistenceId; p[4].Value = r.SequenceNr;
        p[5].Value = r.Message; p[6].Value = Nullable(r.Manifest); p[7].Value = Nullable(r.SerializerId); p[8].Value = Nullable(r.WriterUuid);
        Execute();
    }
}

/// <summary>INSERT of <c>tags</c> rows.</summary>
internal sealed class TagInsert(SqliteConnection connection, SqliteTransaction transaction) : SqliteRowInsert(connection, transaction, "tags",
    ["ordering_id", "tag", "sequence_nr", "persistence_id"])
{
    public void Run(TagRecord r)
    {
        var p = Parameters;
        p[0].Value = r.OrderingId; p[1].Value = r.Tag; p[2].Value = r.SequenceNr; p[3].Value = r.PersistenceId;
        Execute();
    }
}

/// <summary>INSERT of <c>snapshot</c> rows.</summary>
internal sealed class SnapshotInsert(SqliteConnection connection, SqliteTransaction transaction) : SqliteRowInsert(connection, transaction, "snapshot",
    ["persistence_id", "sequence_number", "created", "snapshot", "manifest", "serializer_id"])
{
    public void Run(SnapshotRecord r)
    {
        var p = Parameters;
        p[0].Value = r.PersistenceId; p[1].Value = r.SequenceNr; p[2].Value = r.Created; p[3].Value = Nullable(r.Snapshot);
        p[4].Value = Nullable(r.Manifest); p[5].Value = Nullable(r.SerializerId);
        Execute();
    }
}
