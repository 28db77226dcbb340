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

    /// <summary>
    /// SQLite only: the synchronous level of the journal's connections (the file is always in WAL mode). Default
    /// <see cref="Persistence.SqliteSynchronous.Full"/>: an acknowledged write survives a power loss.
    /// <see cref="Persistence.SqliteSynchronous.Normal"/> survives any process crash but not a power loss, and is
    /// faster (docs/performance.md has the numbers).
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>
    /// SQLite only: how many pages the write-ahead log collects before a commit copies them back into the database file
    /// (<c>PRAGMA wal_autocheckpoint</c> on the journal's connections; SQLite's own default is 1,000). Default 16,000,
    /// ~64 MB of log with 4 KiB pages. A checkpoint writes each page once, however many commits changed it since the
    /// last one, and each journal row lands on pages that the next rows change again (the table's last page, its
    /// indexes), so fewer, larger checkpoints write much less: one node on SQLite made ~22% more durable calls per
    /// second with 16,000 than with 1,000 (docs/performance.md). Durability does not change (a commit is durable once it
    /// is in the log); a node that was killed reads up to this much log when it opens the file again.
    /// </summary>
    public int SqliteCheckpointPages { get; set; } = 16_000;

    /// <summary>
    /// Most journal rows written in one database transaction (Akka.Persistence.Sql <c>batch-size</c>). Writes of all
    /// entities of a node queue up while a transaction runs and go together in the next one, so one commit (and one
    /// fsync) serves many calls.
    /// </summary>
    public int JournalBatchSize { get; set; } = 100;

    /// <summary>
    /// Journal transactions a node runs at once (Akka.Persistence.Sql <c>parallelism</c>; with
    /// <see cref="BatchedJournalWrites"/>, the writer's lanes). Null picks: 1 for SQLite, whose one writer lock makes
    /// concurrent transactions wait on each other; 1 with the batched writer on PostgreSQL too, because one lane gathers
    /// larger batches and fewer transactions cost less CPU (3 nodes: ~12k vs ~7k calls/s with 3 lanes,
    /// docs/performance.md); the plugin's 3 for the plugin's own write path.
    /// </summary>
    public int? JournalParallelism { get; set; }

    /// <summary>
    /// Journal writes through AkkaRpc's own group-commit writer (<c>Persistence/Writes</c>): every entity's rows that
    /// wait go into one transaction with a prepared INSERT, into the plugin's tables and row format. Default true;
    /// false keeps Akka.Persistence.Sql's write path (for comparison: docs/performance.md, "Durable path").
    /// </summary>
    public bool BatchedJournalWrites { get; set; } = true;

    /// <summary>Journal writes a node may queue before it rejects more (Akka.Persistence.Sql <c>buffer-size</c>).</summary>
    public int JournalBufferSize { get; set; } = 5000;

    /// <summary>
    /// Entities of a node that may recover from the journal at once (<c>akka.persistence.max-concurrent-recoveries</c>).
    /// Null picks by provider: 500 in memory, where Akka's 50 throttled entity starts to ~1k/s on a fresh 10,000-key
    /// workload (measured: 920 vs 13,981 calls/s while entities start, 1 node); Akka's 50 for SQL journals, where each
    /// start costs three queries and more at once measured no better (docs/performance.md).
    /// </summary>
    public int? MaxConcurrentRecoveries { get; set; }

    /// <summary>The recovery limit in effect.</summary>
    public int EffectiveMaxConcurrentRecoveries => MaxConcurrentRecoveries ?? (Provider == JournalProvider.InMemory ? 500 : 50);

    /// <summary>The journal parallelism in effect.</summary>
    public int EffectiveJournalParallelism => JournalParallelism ?? (Provider == JournalProvider.Sqlite || BatchedJournalWrites ? 1 : 3);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"AkkaRpc settings: Persistence:{message}");
        }

        Check(Enum.IsDefined(Provider), "Provider must be Sqlite, PostgreSql or InMemory");
        Check(Enum.IsDefined(SqliteSynchronous), "SqliteSynchronous must be Normal, Full or Extra");
        Check(SqliteCheckpointPages is >= 1 and <= 1_000_000, "SqliteCheckpointPages must be 1 to 1000000");
        Check(JournalBatchSize is >= 1 and <= 10_000, "JournalBatchSize must be 1 to 10000");
        Check(JournalParallelism is null or (>= 1 and <= 64), "JournalParallelism must be 1 to 64 (or unset)");
        Check(JournalBufferSize >= 1, "JournalBufferSize must be at least 1");
        Check(MaxConcurrentRecoveries is null or >= 1, "MaxConcurrentRecoveries must be at least 1 (or unset)");
        if (Provider == JournalProvider.PostgreSql)
            Check(!string.IsNullOrWhiteSpace(ConnectionString), "ConnectionString is required for PostgreSql");
    }

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
