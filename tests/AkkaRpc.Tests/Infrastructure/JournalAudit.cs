using Microsoft.Data.Sqlite;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// Reads a SQLite entity journal after a run and looks for the traces two live writers of one entity leave. Every
/// incarnation of a persistent actor writes with its own writer id (<c>writer_uuid</c>), and a new incarnation first
/// recovers everything before it. So with one writer at a time an entity's rows, in sequence order, are numbered
/// 1, 2, 3… with no gap or repeat, and once a new writer appears the previous one never writes again. An old incarnation
/// still writing after its shard moved (an A, B, A pattern), or a row missing where the other writer's insert was
/// refused, breaks that.
/// </summary>
public static class JournalAudit
{
    /// <summary>What the audit found for the persistence ids that start with the given prefix.</summary>
    /// <param name="Rows">Journal rows per persistence id.</param>
    /// <param name="Writers">Distinct writers per persistence id (1 + how often the entity moved or restarted).</param>
    /// <param name="Conflicts">Every gap, repeat or returning writer, described.</param>
    public sealed record Report(IReadOnlyDictionary<string, int> Rows, IReadOnlyDictionary<string, int> Writers, IReadOnlyList<string> Conflicts);

    /// <summary>Audits the journal in <paramref name="databaseFile"/> for the persistence ids starting with <paramref name="persistenceIdPrefix"/>.</summary>
    public static async Task<Report> AuditAsync(string databaseFile, string persistenceIdPrefix)
    {
        var rows = new Dictionary<string, int>();
        var writers = new Dictionary<string, int>();
        var conflicts = new List<string>();
        var builder = new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadOnly };
        await using var connection = new SqliteConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT persistence_id, sequence_number, writer_uuid FROM journal WHERE persistence_id LIKE $prefix || '%' " +
            "ORDER BY persistence_id, sequence_number";
        command.Parameters.AddWithValue("$prefix", persistenceIdPrefix);
        await using var reader = await command.ExecuteReaderAsync();

        string? id = null;
        long expected = 0;
        string? writer = null;
        var retired = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            var pid = reader.GetString(0);
            var sequenceNr = reader.GetInt64(1);
            var uuid = reader.IsDBNull(2) ? "" : reader.GetString(2);
            if (pid != id)
            {
                id = pid;
                expected = 1;
                writer = null;
                retired.Clear();
            }
            rows[pid] = rows.GetValueOrDefault(pid) + 1;
            if (sequenceNr != expected)
                conflicts.Add($"{pid}: sequence number {sequenceNr} where {expected} was due (a gap or a repeat)");
            expected = sequenceNr + 1;
            if (uuid != writer)
            {
                if (retired.Contains(uuid))
                    conflicts.Add($"{pid}: writer {uuid} wrote sequence number {sequenceNr} after writer {writer} had taken over");
                if (writer is not null) retired.Add(writer);
                writer = uuid;
                writers[pid] = writers.GetValueOrDefault(pid) + 1;
            }
        }
        return new Report(rows, writers, conflicts);
    }
}
