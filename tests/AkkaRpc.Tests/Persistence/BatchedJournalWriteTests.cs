using System.Collections.Immutable;
using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Serialization;
using Akka.TestKit;
using AkkaRpc.Persistence;
using AkkaRpc.Persistence.Writes;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// AkkaRpc's batched journal writer (<see cref="SqlJournal"/> with <see cref="BatchedJournalWriter"/>) against the
/// plugin's own write path: one actor system runs both on the same database; rows must be the plugin's rows, read
/// back by the plugin, with Akka's rejection and failure contract.
/// </summary>
public sealed class BatchedJournalWriteTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Rows_should_be_the_rows_the_plugin_writes_and_replay_through_the_plugin(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        object[] payloads = ["opened", 5L, new Deposited("x", 7), new Deposited("x", 8)];
        journals.Write(journals.Batched, "ours", 1, payloads);
        journals.Write(journals.Plain, "theirs", 1, payloads);

        var ours = await ReadRowsAsync(database, "ours");
        var theirs = await ReadRowsAsync(database, "theirs");
        Assert.Equal(payloads.Length, ours.Count);
        Assert.Equal(theirs.Count, ours.Count);
        foreach (var (mine, plain) in ours.Zip(theirs))
        {
            Assert.Equal(plain.SequenceNr, mine.SequenceNr);
            Assert.Equal(plain.Deleted, mine.Deleted);
            Assert.Equal(plain.Message, mine.Message);
            Assert.Equal(plain.Manifest, mine.Manifest);
            Assert.Equal(plain.Identifier, mine.Identifier);
            // created: ticks (UTC) of the write, as the plugin stores them.
            Assert.InRange(mine.Created, DateTime.UtcNow.AddMinutes(-5).Ticks, DateTime.UtcNow.AddMinutes(1).Ticks);
            Assert.Matches("^[0-9a-f]{32}$", mine.WriterUuid);
        }
        // One journal instance, one writer id; ordering follows the sequence numbers.
        Assert.Single(ours.Select(r => r.WriterUuid).Distinct());
        Assert.Equal(ours.OrderBy(r => r.SequenceNr).Select(r => r.Ordering), ours.Select(r => r.Ordering));

        // The plugin reads our rows back as it reads its own.
        var replayed = journals.Replay(journals.Plain, "ours");
        Assert.Equal(payloads, replayed.Events.Select(e => e.Payload));
        Assert.Equal([1L, 2L, 3L, 4L], replayed.Events.Select(e => e.SequenceNr));
        Assert.Equal(4, replayed.Highest);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Concurrent_writes_of_many_entities_should_all_be_stored_and_recovered_in_order(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        const int entities = 60;
        for (var round = 0; round < 3; round++)
        {
            // All entities' writes at once: they queue while a transaction runs and share the next ones.
            var probes = Enumerable.Range(0, entities).Select(i =>
            {
                var probe = journals.Probe();
                var first = round * 2 + 1;
                journals.Batched.Tell(Journals.WriteOf($"many-{i}", first, [new Deposited($"many-{i}", first), new Deposited($"many-{i}", first + 1)], probe.Ref), probe.Ref);
                return probe;
            }).ToList();
            foreach (var probe in probes)
            {
                probe.ExpectMsg<WriteMessagesSuccessful>(Bound);
                probe.ExpectMsg<WriteMessageSuccess>(Bound);
                probe.ExpectMsg<WriteMessageSuccess>(Bound);
            }
        }

        for (var i = 0; i < entities; i++)
        {
            var replayed = journals.Replay(journals.Plain, $"many-{i}");
            Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], replayed.Events.Select(e => e.SequenceNr));
            Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], replayed.Events.Select(e => ((Deposited)e.Payload).Amount));
        }
        Assert.Equal(6, journals.Recover("many-7"));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_write_that_cannot_be_serialized_should_be_rejected_alone(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        var probe = journals.Probe();
        // One entity's batch of two atomic writes: the second cannot be serialized.
        var good = new AtomicWrite(Journals.Event("mixed", 1, new Deposited("mixed", 1), probe.Ref));
        var bad = new AtomicWrite(Journals.Event("mixed", 2, new Unwritable("no"), probe.Ref));
        journals.Batched.Tell(new WriteMessages([good, bad], probe.Ref, 1), probe.Ref);

        probe.ExpectMsg<WriteMessagesSuccessful>(Bound);
        Assert.Equal(1, probe.ExpectMsg<WriteMessageSuccess>(Bound).Persistent.SequenceNr);
        var rejected = probe.ExpectMsg<WriteMessageRejected>(Bound);
        Assert.Equal(2, rejected.Persistent.SequenceNr);
        Assert.Contains(UnwritableSerializer.Complaint, rejected.Cause.Message);

        var replayed = journals.Replay(journals.Plain, "mixed");
        Assert.Equal([1L], replayed.Events.Select(e => e.SequenceNr));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_duplicate_in_a_batch_should_fail_only_its_own_write(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        if (backend == Backend.Sqlite) SqliteFile.Prepare(database.ConnectionString);
        // Tables as the plugin creates them.
        using (var journals = Journals.Start(database)) journals.Write(journals.Batched, "dup", 1, [new Deposited("dup", 1)]);

        var inner = Inserter(database);
        var gated = new GatedInserter(inner);
        await using var writer = new BatchedJournalWriter([gated], maxRowsPerTransaction: 100, queueLimit: 100);
        var first = writer.WriteAsync("solo", [Row("solo", 1)]);
        await gated.FirstCallStarted.WaitAsync(Bound);
        // Queued while the first transaction runs, so they go together in the next one.
        var others = Enumerable.Range(0, 4).Select(i => writer.WriteAsync($"ok-{i}", [Row($"ok-{i}", 1)])).ToList();
        var duplicate = writer.WriteAsync("dup", [Row("dup", 1)]);
        gated.Release();

        await first.WaitAsync(Bound);
        await Task.WhenAll(others).WaitAsync(Bound);
        await Assert.ThrowsAnyAsync<DbException>(() => duplicate.WaitAsync(Bound));
        Assert.Contains(5, gated.BatchSizes);

        foreach (var pid in new[] { "solo", "ok-0", "ok-1", "ok-2", "ok-3", "dup" })
            Assert.Single(await ReadRowsAsync(database, pid));
    }

    [Fact]
    public async Task The_sqlite_writer_should_checkpoint_at_its_configured_size()
    {
        // The same 200 commits (~7,000 WAL pages) through a writer that checkpoints after 50 pages and one that may
        // collect 100,000: what is left in the log afterwards shows which size the writer's own connection used (its
        // commits are the ones that trigger the checkpoints; with SQLite's 1,000 about 135 pages are left).
        Assert.InRange(await LogPagesAfterWritesAsync("small", checkpointPages: 50), 1, 200);
        Assert.InRange(await LogPagesAfterWritesAsync("large", checkpointPages: 100_000), 1_001, int.MaxValue);
    }

    private async Task<int> LogPagesAfterWritesAsync(string name, int checkpointPages)
    {
        await using var database = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path, name);
        SqliteFile.Prepare(database.ConnectionString);
        // Tables as the plugin creates them.
        using (var journals = Journals.Start(database)) journals.Write(journals.Batched, "setup", 1, [new Deposited("setup", 1)]);
        var config = new JournalConfig(ConfigurationFactory.ParseString(PluginHocon(database, "sql"))
            .GetConfig("akka.persistence.journal.sql").WithFallback(SqlPersistence.DefaultJournalConfiguration));
        // Not pooled: a pooled handle keeps the pragmas of its previous user (here the plugin's connections above).
        var unpooled = new SqliteConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString;
        await using (var inserter = new SqliteJournalInserter(unpooled, SqliteSynchronous.Normal, checkpointPages, JournalTable.From(config), "test-writer"))
        {
            // 20 rows of 2 KB per commit: each commit writes ~10 table pages and the index pages it touches.
            var payload = new byte[2048];
            for (var commit = 0; commit < 200; commit++)
            {
                var rows = Enumerable.Range(0, 20)
                    .Select(i => new[] { new JournalRowData(DateTime.UtcNow.Ticks, $"pid-{i}", commit + 1, payload, "m", 1) })
                    .ToList();
                await inserter.InsertAsync(rows, CancellationToken.None);
            }
        }
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // PASSIVE checkpoint: returns (busy, pages in the log, pages checkpointed); only the log size matters here.
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetInt32(1);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static JournalRowData Row(string pid, long sequenceNr) => new(DateTime.UtcNow.Ticks, pid, sequenceNr, [1, 2, 3], "m", 1);

    private static IJournalInserter Inserter(TestDatabase database)
    {
        var config = new JournalConfig(ConfigurationFactory.ParseString(PluginHocon(database, "sql"))
            .GetConfig("akka.persistence.journal.sql").WithFallback(SqlPersistence.DefaultJournalConfiguration));
        var table = JournalTable.From(config);
        return database.Backend == Backend.Sqlite
            ? new SqliteJournalInserter(database.ConnectionString, SqliteSynchronous.Full, 0, table, "test-writer")
            : new PostgresJournalInserter(database.ConnectionString, table, "test-writer");
    }

    private static string PluginHocon(TestDatabase database, string identifier)
    {
        var options = database.Options;
        return new SqlJournalPluginOptions(options.EffectiveConnectionString, options.EffectiveProviderName, options) { Identifier = identifier }.ToString();
    }

    private sealed record RawRow(long Ordering, long Created, bool Deleted, long SequenceNr, byte[] Message, string? Manifest, int? Identifier, string WriterUuid);

    private static async Task<List<RawRow>> ReadRowsAsync(TestDatabase database, string pid)
    {
        await using DbConnection connection = database.Backend == Backend.Sqlite
            ? new SqliteConnection(database.ConnectionString)
            : new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ordering, created, deleted, sequence_number, message, manifest, identifier, writer_uuid " +
                              "FROM journal WHERE persistence_id = @pid ORDER BY ordering";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@pid";
        parameter.Value = pid;
        command.Parameters.Add(parameter);
        var rows = new List<RawRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new RawRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(2), reader.GetInt64(3), (byte[])reader[4],
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetString(7)));
        }
        return rows;
    }

    /// <summary>Holds its first call until released, and records how many writes each call carried.</summary>
    private sealed class GatedInserter(IJournalInserter inner) : IJournalInserter
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstCallStarted => _started.Task;

        public List<int> BatchSizes { get; } = [];

        public void Release() => _release.TrySetResult();

        public async Task InsertAsync(IReadOnlyList<JournalRowData[]> writes, CancellationToken cancellationToken)
        {
            lock (BatchSizes) BatchSizes.Add(writes.Count);
            _started.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            await inner.InsertAsync(writes, cancellationToken);
        }

        public ValueTask ResetAsync() => inner.ResetAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    internal sealed record Deposited(string Account, long Amount);

    internal sealed record Unwritable(string Text);

    /// <summary>Refuses to write: a payload that fails serialization.</summary>
    internal sealed class UnwritableSerializer(ExtendedActorSystem system) : Serializer(system)
    {
        public const string Complaint = "this serializer refuses to write";

        public override int Identifier => 4712;

        public override bool IncludeManifest => false;

        public override byte[] ToBinary(object obj) => throw new InvalidOperationException(Complaint);

        public override object FromBinary(byte[] bytes, Type? type) => new Unwritable("?");
    }

    /// <summary>Counts the events it recovers.</summary>
    private sealed class Counting : ReceivePersistentActor
    {
        public Counting(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<Deposited>(_ => { });
            Command<string>(_ => Sender.Tell(LastSequenceNr));
        }

        public override string PersistenceId { get; }
    }

    private sealed record Replayed(IReadOnlyList<IPersistentRepresentation> Events, long Highest);

    /// <summary>Our journal (batched writes on) as the default plugin, and the plugin's own class on the same database.</summary>
    private sealed class Journals : IDisposable
    {
        private const string PlainId = PluginSideBySide.Plain;

        private Journals(ActorSystem system)
        {
            System = system;
            Kit = new Akka.TestKit.Xunit2.TestKit(system);
            var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
            Batched = persistence.JournalFor("akka.persistence.journal.sql");
            Plain = persistence.JournalFor($"akka.persistence.journal.{PlainId}");
        }

        public ActorSystem System { get; }
        private Akka.TestKit.Xunit2.TestKit Kit { get; }
        public IActorRef Batched { get; }
        public IActorRef Plain { get; }

        public static Journals Start(TestDatabase database)
        {
            var system = PluginSideBySide.Start(database, "batched-writes",
                $"akka.actor.serializers.unwritable = \"{typeof(UnwritableSerializer).AssemblyQualifiedName}\"",
                $"akka.actor.serialization-bindings {{ \"{typeof(Unwritable).AssemblyQualifiedName}\" = unwritable }}");
            Assert.True(system.Settings.Config.GetBoolean($"akka.persistence.journal.sql.{SqlJournal.BatchedWritesKey}"));
            return new Journals(system);
        }

        public TestProbe Probe() => Kit.CreateTestProbe();

        public static IImmutableList<IPersistentRepresentation> Event(string pid, long sequenceNr, object payload, IActorRef writer) =>
            ImmutableList.Create<IPersistentRepresentation>(new Persistent(payload, sequenceNr, pid, "", false, writer, "writer-1"));

        public static WriteMessages WriteOf(string pid, long firstSequenceNr, object[] payloads, IActorRef writer) =>
            PluginSideBySide.WriteOf(pid, firstSequenceNr, payloads, writer);

        /// <summary>Writes one atomic write through the given journal and waits for it.</summary>
        public void Write(IActorRef journal, string pid, long firstSequenceNr, object[] payloads) =>
            PluginSideBySide.Write(Probe(), journal, pid, firstSequenceNr, payloads, Bound);

        public Replayed Replay(IActorRef journal, string pid)
        {
            var probe = Probe();
            journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, probe.Ref), probe.Ref);
            var events = new List<IPersistentRepresentation>();
            while (true)
            {
                switch (probe.ExpectMsg<object>(Bound))
                {
                    case ReplayedMessage replayed: events.Add(replayed.Persistent); break;
                    case RecoverySuccess done: return new Replayed(events, done.HighestSequenceNr);
                    case var other: throw new Xunit.Sdk.XunitException($"unexpected answer to a replay: {other}");
                }
            }
        }

        /// <summary>Starts a persistent actor on <paramref name="pid"/> (our journal) and returns its last sequence number.</summary>
        public long Recover(string pid)
        {
            var probe = Probe();
            var actor = System.ActorOf(Props.Create(() => new Counting(pid)));
            actor.Tell("last?", probe.Ref);
            var answer = probe.ExpectMsg<long>(Bound);
            System.Stop(actor);
            return answer;
        }

        public void Dispose()
        {
            System.Terminate().Wait(Bound);
            System.Dispose();
        }
    }
}
