using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql;

namespace AkkaRpc.Persistence;

// Akka.Persistence.Sql.Hosting (which ships these options) is not available to us, so these two small classes
// render the Akka.Persistence.Sql plugin settings through Akka.Persistence.Hosting's option base classes, which
// quote every value (no hand-built HOCON strings).

/// <summary>The Akka.Persistence.Sql journal, configured from <see cref="PersistenceOptions"/>.</summary>
internal sealed class SqlJournalPluginOptions : JournalOptions
{
    public SqlJournalPluginOptions(string connectionString, string providerName, PersistenceOptions options) : base(true)
    {
        ConnectionString = connectionString;
        ProviderName = providerName;
        BatchSize = options.JournalBatchSize;
        Parallelism = options.EffectiveJournalParallelism;
        BufferSize = options.JournalBufferSize;
        // linq2db's clone of a SQLite connection is a bare new SqliteConnection: it skips SqliteConnections.Create,
        // so the busy timeout and synchronous level are lost and every lock wait falls back to Microsoft.Data.Sqlite's
        // 150 ms sleep (seen in a trace: Thread.Sleep under BeginTransaction). Without cloning each use goes through
        // the factory; PostgreSQL connections carry no such per-connection state, so they keep the faster clone.
        UseCloneConnection = options.Provider != JournalProvider.Sqlite;
        // Microsoft.Data.Sqlite opens every transaction with BEGIN IMMEDIATE (the write lock) unless the isolation level
        // is ReadUncommitted, which gives a plain deferred BEGIN. The plugin wraps reads (recovery: snapshot, highest
        // sequence number, replay) in transactions, so each entity start queued behind the writer and blocked a pool
        // thread in SQLite's busy wait. Without shared cache, read_uncommitted changes nothing else: a WAL reader
        // still sees only committed rows, as of its snapshot.
        DeferredReads = options.Provider == JournalProvider.Sqlite;
        BatchedWrites = options.BatchedJournalWrites;
        SqliteSynchronous = options.SqliteSynchronous;
        SqliteCheckpointPages = options.SqliteCheckpointPages;
        AutoInitialize = true;
        Serializer = null;
    }

    public string ConnectionString { get; }
    public string ProviderName { get; }
    public bool BatchedWrites { get; }
    public SqliteSynchronous SqliteSynchronous { get; }
    public int SqliteCheckpointPages { get; }
    public int BatchSize { get; }
    public int Parallelism { get; }
    public int BufferSize { get; }
    public bool UseCloneConnection { get; }
    public bool DeferredReads { get; }

    public override string Identifier { get; set; } = "sql";

    protected override Config InternalDefaultConfig => SqlPersistence.DefaultJournalConfiguration;

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {typeof(SqlJournal).AssemblyQualifiedName!.ToHocon()}");
        sb.AppendLine($"connection-string = {ConnectionString.ToHocon()}");
        sb.AppendLine($"provider-name = {ProviderName.ToHocon()}");
        // The write queue: entities' writes wait in a buffer of buffer-size, are taken batch-size rows at a time into
        // one transaction, with parallelism transactions in flight (Akka.Persistence.Sql BaseByteArrayJournalDao).
        sb.AppendLine($"batch-size = {BatchSize.ToHocon()}");
        sb.AppendLine($"parallelism = {Parallelism.ToHocon()}");
        sb.AppendLine($"buffer-size = {BufferSize.ToHocon()}");
        sb.AppendLine($"use-clone-connection = {UseCloneConnection.ToHocon()}");
        if (DeferredReads) sb.AppendLine("read-isolation-level = read-uncommitted");
        // Akka's replay filter (one more actor per recovery, and every replayed event passes through it) repairs a
        // journal where two writers of one persistence id interleaved sequence numbers. The plugin's unique index
        // journal_uq (persistence_id, sequence_number) makes that impossible here: of two incarnations writing the same
        // next number, the second write fails and its entity stops, so a replay can never meet an event the filter would
        // drop. Off, it saved ~2% of a node's CPU per entity start in a cold start (docs/disaster-recovery.md, item 9).
        sb.AppendLine("replay-filter.mode = off");
        // Read by SqlJournal: AkkaRpc's batched writer, and the synchronous level and checkpoint size of its own SQLite
        // connection.
        sb.AppendLine($"{SqlJournal.BatchedWritesKey} = {BatchedWrites.ToHocon()}");
        sb.AppendLine($"{SqlJournal.SqliteSynchronousKey} = {SqliteSynchronous.ToString().ToHocon()}");
        sb.AppendLine($"{SqlJournal.SqliteCheckpointPagesKey} = {SqliteCheckpointPages.ToHocon()}");
        return base.Build(sb);
    }
}

/// <summary>The Akka.Persistence.Sql snapshot store, configured from <see cref="PersistenceOptions"/>.</summary>
internal sealed class SqlSnapshotPluginOptions : SnapshotOptions
{
    public SqlSnapshotPluginOptions(string connectionString, string providerName, PersistenceOptions options, string journalPluginPath) : base(true)
    {
        JournalPluginPath = journalPluginPath;
        ConnectionString = connectionString;
        ProviderName = providerName;
        UseCloneConnection = options.Provider != JournalProvider.Sqlite;
        DeferredReads = options.Provider == JournalProvider.Sqlite;
        AutoInitialize = true;
        Serializer = null;
    }

    public string JournalPluginPath { get; }
    public string ConnectionString { get; }
    public string ProviderName { get; }
    public bool UseCloneConnection { get; }
    public bool DeferredReads { get; }

    public override string Identifier { get; set; } = "sql";

    protected override Config InternalDefaultConfig => SqlPersistence.DefaultSnapshotConfiguration;

    protected override StringBuilder Build(StringBuilder sb)
    {
        sb.AppendLine($"class = {typeof(SqlSnapshotStore).AssemblyQualifiedName!.ToHocon()}");
        sb.AppendLine($"connection-string = {ConnectionString.ToHocon()}");
        sb.AppendLine($"provider-name = {ProviderName.ToHocon()}");
        sb.AppendLine($"use-clone-connection = {UseCloneConnection.ToHocon()}");
        if (DeferredReads) sb.AppendLine("read-isolation-level = read-uncommitted");
        // Read by SqlSnapshotStore: the journal on the same database, whose highest sequence number a recovery's
        // snapshot load reads along (FastRecoverySnapshotStore).
        sb.AppendLine($"{Recovery.FastRecoverySnapshotStore.JournalPluginKey} = {JournalPluginPath.ToHocon()}");
        return base.Build(sb);
    }
}
