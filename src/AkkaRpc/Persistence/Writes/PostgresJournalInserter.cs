using Npgsql;
using NpgsqlTypes;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// Journal rows into PostgreSQL as ONE prepared statement per transaction, whatever the number of rows: the columns
/// travel as arrays and <c>unnest</c> turns them back into rows (in array order, so <c>ordering</c> follows the order
/// of the writes). The statement runs as its own transaction: one round trip per batch, on a connection kept open by
/// the writer.
/// </summary>
internal sealed class PostgresJournalInserter : IJournalInserter
{
    private readonly string _connectionString;
    private readonly string _sql;
    private readonly string _writerUuid;
    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _insert;

    public PostgresJournalInserter(string connectionString, JournalTable table, string writerUuid)
    {
        _connectionString = connectionString;
        _writerUuid = writerUuid;
        _sql = $"INSERT INTO {table.Name} ({table.InsertColumns}) " +
               "SELECT c, false, p, s, m, f, i, $7 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bytea[], $5::text[], $6::integer[]) AS r(c, p, s, m, f, i)";
    }

    public async Task InsertAsync(IReadOnlyList<JournalRowData[]> writes, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var rows in writes) count += rows.Length;
        var created = new long[count];
        var pids = new string[count];
        var seqs = new long[count];
        var messages = new byte[count][];
        var manifests = new string[count];
        var identifiers = new int[count];
        var n = 0;
        foreach (var rows in writes)
        {
            foreach (var row in rows)
            {
                created[n] = row.Created;
                pids[n] = row.PersistenceId;
                seqs[n] = row.SequenceNr;
                messages[n] = row.Message;
                manifests[n] = row.Manifest;
                identifiers[n] = row.SerializerId;
                n++;
            }
        }

        var insert = await PrepareAsync(cancellationToken).ConfigureAwait(false);
        insert.Parameters[0].Value = created;
        insert.Parameters[1].Value = pids;
        insert.Parameters[2].Value = seqs;
        insert.Parameters[3].Value = messages;
        insert.Parameters[4].Value = manifests;
        insert.Parameters[5].Value = identifiers;
        // No BEGIN/COMMIT around it: a single statement outside a transaction block is its own transaction (all rows
        // or none), committed before the reply returns, so one round trip does what BEGIN + INSERT + COMMIT did in
        // two (3 nodes: +25-43% calls/s, docs/performance.md).
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<NpgsqlCommand> PrepareAsync(CancellationToken cancellationToken)
    {
        if (_insert is not null) return _insert;
        _connection = new NpgsqlConnection(_connectionString);
        await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var insert = new NpgsqlCommand(_sql, _connection);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = _writerUuid });
        await insert.PrepareAsync(cancellationToken).ConfigureAwait(false);
        _insert = insert;
        return insert;
    }

    public async ValueTask ResetAsync()
    {
        if (_insert is not null) await _insert.DisposeAsync().ConfigureAwait(false);
        _insert = null;
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
    }

    public ValueTask DisposeAsync() => ResetAsync();
}
