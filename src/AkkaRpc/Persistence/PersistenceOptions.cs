namespace AkkaRpc.Persistence;

/// <summary>Which database holds the journal and snapshots.</summary>
public enum JournalProvider
{
    /// <summary>A SQLite file (WAL mode): the embedded default, shared by any number of nodes on ONE machine.</summary>
    Sqlite,

    /// <summary>PostgreSQL: the shared journal for nodes on several machines.</summary>
    PostgreSql,

    /// <summary>In memory, lost with the process: tests and benchmarks only.</summary>
    InMemory,
}

/// <summary>Journal and snapshot store settings (section <c>AkkaRpc:Persistence</c>).</summary>
public sealed class PersistenceOptions
{
    /// <summary>The database kind. Default: <see cref="JournalProvider.Sqlite"/>.</summary>
    public JournalProvider Provider { get; set; } = JournalProvider.Sqlite;

    /// <summary>
    /// ADO.NET connection string. For SQLite, null means <c>Data Source=akkarpc.db</c> in the working directory;
    /// PostgreSQL needs one (e.g. <c>Host=127.0.0.1;Port=5432;Database=akkarpc;Username=akkarpc;Password=...</c>).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>linq2db provider name; null picks <c>SQLite.MS</c> or <c>PostgreSQL.15</c>.</summary>
    public string? ProviderName { get; set; }

    /// <summary>The connection string in effect.</summary>
    public string EffectiveConnectionString => Provider switch
    {
        JournalProvider.Sqlite => string.IsNullOrWhiteSpace(ConnectionString) ? "Data Source=akkarpc.db" : ConnectionString,
        JournalProvider.PostgreSql => string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException("AkkaRpc:Persistence:ConnectionString is required for PostgreSql")
            : ConnectionString,
        _ => "",
    };

    /// <summary>The linq2db provider name in effect.</summary>
    public string EffectiveProviderName => ProviderName ?? Provider switch
    {
        JournalProvider.Sqlite => "SQLite.MS",
        JournalProvider.PostgreSql => "PostgreSQL.15",
        _ => "",
    };
}
