using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// The journal table and column names in effect (the plugin's <c>table-mapping</c> and overrides), already quoted,
/// and the INSERT column list every writer uses.
/// </summary>
internal sealed record JournalTable(string Name, string Created, string Deleted, string PersistenceId, string SequenceNr,
    string Message, string Manifest, string Identifier, string WriterUuid)
{
    public static JournalTable From(JournalConfig config)
    {
        var table = config.TableConfig.EventJournalTable;
        var columns = table.ColumnNames;
        var schema = config.TableConfig.SchemaName;
        return new JournalTable(
            string.IsNullOrEmpty(schema) ? Quote(table.Name) : $"{Quote(schema)}.{Quote(table.Name)}",
            Quote(columns.Created), Quote(columns.Deleted), Quote(columns.PersistenceId), Quote(columns.SequenceNumber),
            Quote(columns.Message), Quote(columns.Manifest), Quote(columns.Identifier), Quote(columns.WriterUuid));
    }

    /// <summary>Standard SQL identifier quoting; both SQLite and PostgreSQL accept it.</summary>
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The columns an insert sets, in the order the writers bind them.</summary>
    public string InsertColumns => $"{Created}, {Deleted}, {PersistenceId}, {SequenceNr}, {Message}, {Manifest}, {Identifier}, {WriterUuid}";
}
