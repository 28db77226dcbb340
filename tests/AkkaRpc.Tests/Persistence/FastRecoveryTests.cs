using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Serialization;
using Akka.TestKit;
using AkkaRpc.Persistence;
using AkkaRpc.Persistence.Recovery;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// The recovery fast path (<see cref="FastRecoveryJournal"/>, <see cref="FastRecoverySnapshotStore"/>) against the
/// plugin it stands in for: one actor system runs both AkkaRpc's journal and snapshot store and Akka.Persistence.Sql's
/// own classes on the same database, and every recovery read must come back identical from both.
/// </summary>
public sealed class FastRecoveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Events_written_in_several_batches_should_replay_as_the_plugin_replays_them(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        journals.Write("acc-1", 1, ["opened", 5L, new Deposited("acc-1", 7)]);
        journals.Write("acc-1", 4, [new Deposited("acc-1", 1), new Deposited("acc-1", 2)]);
        journals.Write("acc-2", 1, ["other"]);
        journals.Write("acc-1", 6, [.. Enumerable.Range(0, 30).Select(i => (object)new Deposited("acc-1", i))]);

        var all = journals.AssertSameReplay("acc-1", 1, long.MaxValue, long.MaxValue);
        Assert.Equal(35, all.Events.Count);
        Assert.Equal(Enumerable.Range(1, 35).Select(i => (long)i), all.Events.Select(e => e.SequenceNr));
        Assert.Equal(35, all.Highest);
        Assert.Equal(new Deposited("acc-1", 7), all.Events[2].Payload);
        // A window, and a max that cuts it short.
        Assert.Equal(Enumerable.Range(4, 5).Select(i => (long)i), journals.AssertSameReplay("acc-1", 4, 8, long.MaxValue).Events.Select(e => e.SequenceNr));
        Assert.Equal(3, journals.AssertSameReplay("acc-1", 10, long.MaxValue, 3).Events.Count);
        Assert.Single(journals.AssertSameReplay("acc-2", 1, long.MaxValue, long.MaxValue).Events);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_snapshot_and_later_events_should_load_and_replay_as_the_plugin_does(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        journals.Write("acc-s", 1, [.. Enumerable.Range(1, 12).Select(i => (object)new Deposited("acc-s", i))]);
        var early = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        journals.SaveSnapshot(new SnapshotMetadata("acc-s", 5, early), new Balance("acc-s", 15));
        journals.SaveSnapshot(new SnapshotMetadata("acc-s", 10, early.AddHours(1)), new Balance("acc-s", 55));

        var latest = journals.AssertSameSnapshot("acc-s", SnapshotSelectionCriteria.Latest);
        Assert.Equal(10, latest!.Metadata.SequenceNr);
        Assert.Equal(new Balance("acc-s", 55), latest.Snapshot);
        Assert.Equal(5, journals.AssertSameSnapshot("acc-s", new SnapshotSelectionCriteria(9))!.Metadata.SequenceNr);
        Assert.Equal(5, journals.AssertSameSnapshot("acc-s", new SnapshotSelectionCriteria(long.MaxValue, early.AddMinutes(1)))!.Metadata.SequenceNr);
        Assert.Equal(5, journals.AssertSameSnapshot("acc-s", new SnapshotSelectionCriteria(11, early.AddMinutes(1)))!.Metadata.SequenceNr);
        Assert.Null(journals.AssertSameSnapshot("acc-s", new SnapshotSelectionCriteria(4)));

        // What recovery asks after that snapshot: the events above it.
        var after = journals.AssertSameReplay("acc-s", 11, long.MaxValue, long.MaxValue);
        Assert.Equal([11L, 12L], after.Events.Select(e => e.SequenceNr));
        Assert.Equal(12, after.Highest);

        // And a persistent actor started on it ends up with the snapshot's state plus those events.
        var recovered = journals.Recover("acc-s");
        Assert.Equal(55 + 11 + 12, recovered.Total);
        Assert.Equal(12, recovered.LastSequenceNr);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Deleted_events_should_be_skipped_and_the_highest_sequence_number_kept(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        journals.Write("acc-d", 1, [.. Enumerable.Range(1, 8).Select(i => (object)new Deposited("acc-d", i))]);
        journals.DeleteTo("acc-d", 5);
        var rest = journals.AssertSameReplay("acc-d", 1, long.MaxValue, long.MaxValue);
        Assert.Equal([6L, 7L, 8L], rest.Events.Select(e => e.SequenceNr));
        Assert.Equal(8, rest.Highest);

        journals.DeleteTo("acc-d", 8);
        var none = journals.AssertSameReplay("acc-d", 1, long.MaxValue, long.MaxValue);
        Assert.Empty(none.Events);
        Assert.Equal(8, none.Highest);
        // A restarted actor continues after the deleted events rather than reusing their numbers.
        Assert.Equal(8, journals.Recover("acc-d").LastSequenceNr);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_replay_asked_right_after_a_write_should_see_the_write(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        for (var round = 0; round < 20; round++)
        {
            var pid = $"acc-w{round}";
            // The replay request is queued behind the write, before the write is acknowledged.
            var writer = journals.Probe();
            journals.Fast.Tell(Journals.WriteOf(pid, 1, [new Deposited(pid, 1), new Deposited(pid, 2)], writer.Ref), writer.Ref);
            var reader = journals.Probe();
            journals.Fast.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, reader.Ref), reader.Ref);
            var replayed = Journals.Collect(reader);
            Assert.Equal(2, replayed.Highest);
            Assert.Equal([1L, 2L], replayed.Events.Select(e => e.SequenceNr));
            writer.ExpectMsg<WriteMessagesSuccessful>(Bound);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task An_unknown_persistence_id_should_have_no_events_no_snapshot_and_highest_zero(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        var nothing = journals.AssertSameReplay("nobody", 1, long.MaxValue, long.MaxValue);
        Assert.Empty(nothing.Events);
        Assert.Equal(0, nothing.Highest);
        Assert.Null(journals.AssertSameSnapshot("nobody", SnapshotSelectionCriteria.Latest));
        Assert.Equal(0, journals.Recover("nobody").LastSequenceNr);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_payload_its_serializer_cannot_read_should_fail_recovery_clearly(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        journals.Write("acc-bad", 1, [new Deposited("acc-bad", 1), new Unreadable("x"), new Deposited("acc-bad", 3)]);
        journals.SaveSnapshot(new SnapshotMetadata("acc-bad-snap", 1, DateTime.UtcNow), new Unreadable("y"));

        var reader = journals.Probe();
        journals.Fast.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "acc-bad", reader.Ref), reader.Ref);
        Assert.Equal(1, reader.ExpectMsg<ReplayedMessage>(Bound).Persistent.SequenceNr);
        var failure = reader.ExpectMsg<ReplayMessagesFailure>(Bound);
        var error = Assert.IsType<RecoveryReadException>(failure.Cause);
        Assert.Contains("acc-bad #2", error.Message);
        Assert.Contains(UnreadableSerializer.Complaint, error.Message);

        journals.FastSnapshots.Tell(new LoadSnapshot("acc-bad-snap", SnapshotSelectionCriteria.Latest, long.MaxValue), reader.Ref);
        var snapshotFailure = reader.ExpectMsg<LoadSnapshotFailed>(Bound);
        Assert.Contains("snapshot acc-bad-snap #1", snapshotFailure.Cause.ToString(), StringComparison.Ordinal);

        // A persistent actor on it fails its recovery and stops, rather than waiting for events that never come.
        var actor = journals.System.ActorOf(Props.Create(() => new Summing("acc-bad")));
        reader.Watch(actor);
        reader.ExpectTerminated(actor, Bound);
    }

    // ---- the harness: our plugins and the plain plugin on one database ------------------------------------------

    internal sealed record Deposited(string Account, long Amount);

    internal sealed record Balance(string Account, long Total);

    internal sealed record Unreadable(string Text);

    /// <summary>Writes anything, reads nothing: a payload whose deserialization always fails.</summary>
    internal sealed class UnreadableSerializer(ExtendedActorSystem system) : Serializer(system)
    {
        public const string Complaint = "this serializer refuses to read";

        public override int Identifier => 4711;

        public override bool IncludeManifest => false;

        public override byte[] ToBinary(object obj) => [1, 2, 3];

        public override object FromBinary(byte[] bytes, Type? type) => throw new InvalidOperationException(Complaint);
    }

    /// <summary>Sums the amounts it recovers (from a <see cref="Balance"/> snapshot and <see cref="Deposited"/> events).</summary>
    private sealed class Summing : ReceivePersistentActor
    {
        private long _total;

        public Summing(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<SnapshotOffer>(offer => _total = ((Balance)offer.Snapshot).Total);
            Recover<Deposited>(e => _total += e.Amount);
            Command<string>(_ => Sender.Tell((_total, LastSequenceNr)));
        }

        public override string PersistenceId { get; }
    }

    private sealed record Replay(IReadOnlyList<IPersistentRepresentation> Events, long Highest);

    private sealed class Journals : IDisposable
    {
        private const string Plain = "plain";

        private Journals(ActorSystem system)
        {
            System = system;
            Kit = new Akka.TestKit.Xunit2.TestKit(system);
            var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
            Fast = persistence.JournalFor("akka.persistence.journal.sql");
            Original = persistence.JournalFor($"akka.persistence.journal.{Plain}");
            FastSnapshots = persistence.SnapshotStoreFor("akka.persistence.snapshot-store.sql");
            OriginalSnapshots = persistence.SnapshotStoreFor($"akka.persistence.snapshot-store.{Plain}");
        }

        public ActorSystem System { get; }
        private Akka.TestKit.Xunit2.TestKit Kit { get; }
        public IActorRef Fast { get; }
        public IActorRef Original { get; }
        public IActorRef FastSnapshots { get; }
        public IActorRef OriginalSnapshots { get; }

        public static Journals Start(TestDatabase database)
        {
            var options = database.Options;
            var connection = options.EffectiveConnectionString;
            var provider = options.EffectiveProviderName;
            if (options.Provider == JournalProvider.Sqlite) SqliteFile.Prepare(connection);
            // Ours as the default plugins; the plugin's own classes on the same blocks under another name.
            var hocon = string.Join(Environment.NewLine,
                new SqlJournalPluginOptions(connection, provider, options).ToString(),
                new SqlSnapshotPluginOptions(connection, provider, options).ToString(),
                new SqlJournalPluginOptions(connection, provider, options) { Identifier = Plain }.ToString(),
                new SqlSnapshotPluginOptions(connection, provider, options) { Identifier = Plain }.ToString(),
                $"akka.persistence.journal.{Plain}.class = \"Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql\"",
                $"akka.persistence.snapshot-store.{Plain}.class = \"Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql\"",
                "akka.persistence.journal.plugin = \"akka.persistence.journal.sql\"",
                "akka.persistence.snapshot-store.plugin = \"akka.persistence.snapshot-store.sql\"",
                "akka.loglevel = ERROR",
                $"akka.actor.serializers.unreadable = \"{typeof(UnreadableSerializer).AssemblyQualifiedName}\"",
                $"akka.actor.serialization-bindings {{ \"{typeof(Unreadable).AssemblyQualifiedName}\" = unreadable }}");
            var config = ConfigurationFactory.ParseString(hocon).WithFallback(SqlPersistence.DefaultConfiguration);
            var setup = BootstrapSetup.Create().WithConfig(config);
            ActorSystemSetup systemSetup = options.Provider == JournalProvider.Sqlite
                ? setup.And(new DataOptionsSetup(SqliteConnections.DataOptions(connection, provider, options.SqliteSynchronous)))
                : ActorSystemSetup.Create(setup);
            return new Journals(ActorSystem.Create($"fast-recovery-{Guid.NewGuid():N}", systemSetup));
        }

        public TestProbe Probe() => Kit.CreateTestProbe();

        public static WriteMessages WriteOf(string pid, long firstSequenceNr, object[] payloads, IActorRef writer) =>
            new(
                [new AtomicWrite(payloads.Select((p, i) => (IPersistentRepresentation)new Persistent(p, firstSequenceNr + i, pid, "", false, writer, "writer-1"))
                    .ToImmutableList())],
                writer, 1);

        /// <summary>Writes one batch through our journal and waits for it.</summary>
        public void Write(string pid, long firstSequenceNr, object[] payloads)
        {
            var writer = Probe();
            Fast.Tell(WriteOf(pid, firstSequenceNr, payloads, writer.Ref), writer.Ref);
            writer.ExpectMsg<WriteMessagesSuccessful>(Bound);
            for (var i = 0; i < payloads.Length; i++)
            {
                var answer = writer.ExpectMsg<object>(Bound);
                Assert.True(answer is WriteMessageSuccess, $"write {pid} #{firstSequenceNr + i}: {answer}");
            }
        }

        public void SaveSnapshot(SnapshotMetadata metadata, object snapshot)
        {
            var probe = Probe();
            FastSnapshots.Tell(new SaveSnapshot(metadata, snapshot), probe.Ref);
            probe.ExpectMsg<SaveSnapshotSuccess>(Bound);
        }

        public void DeleteTo(string pid, long toSequenceNr)
        {
            var probe = Probe();
            Fast.Tell(new DeleteMessagesTo(pid, toSequenceNr, probe.Ref), probe.Ref);
            probe.ExpectMsg<DeleteMessagesSuccess>(Bound);
        }

        public static Replay Collect(TestProbe probe)
        {
            var events = new List<IPersistentRepresentation>();
            while (true)
            {
                switch (probe.ExpectMsg<object>(Bound))
                {
                    case ReplayedMessage replayed: events.Add(replayed.Persistent); break;
                    case RecoverySuccess done: return new Replay(events, done.HighestSequenceNr);
                    case var other: throw new Xunit.Sdk.XunitException($"unexpected answer to a replay: {other}");
                }
            }
        }

        /// <summary>Replays through both journals and asserts every field of every event is the same.</summary>
        public Replay AssertSameReplay(string pid, long from, long to, long max)
        {
            Replay Ask(IActorRef journal)
            {
                var probe = Probe();
                journal.Tell(new ReplayMessages(from, to, max, pid, probe.Ref), probe.Ref);
                return Collect(probe);
            }

            var fast = Ask(Fast);
            var original = Ask(Original);
            Assert.Equal(original.Highest, fast.Highest);
            Assert.Equal(original.Events.Count, fast.Events.Count);
            foreach (var (mine, theirs) in fast.Events.Zip(original.Events))
            {
                Assert.Equal(theirs.GetType(), mine.GetType());
                Assert.Equal(theirs.Payload, mine.Payload);
                Assert.Equal(theirs.SequenceNr, mine.SequenceNr);
                Assert.Equal(theirs.PersistenceId, mine.PersistenceId);
                Assert.Equal(theirs.Manifest, mine.Manifest);
                Assert.Equal(theirs.IsDeleted, mine.IsDeleted);
                Assert.Equal(theirs.WriterGuid, mine.WriterGuid);
                Assert.Equal(theirs.Timestamp, mine.Timestamp);
                Assert.Equal(theirs.Sender, mine.Sender);
            }
            return fast;
        }

        /// <summary>Loads through both snapshot stores and asserts the same snapshot (or none) comes back.</summary>
        public SelectedSnapshot? AssertSameSnapshot(string pid, SnapshotSelectionCriteria criteria)
        {
            LoadSnapshotResult Ask(IActorRef store)
            {
                var probe = Probe();
                store.Tell(new LoadSnapshot(pid, criteria, long.MaxValue), probe.Ref);
                return probe.ExpectMsg<LoadSnapshotResult>(Bound);
            }

            var fast = Ask(FastSnapshots);
            var original = Ask(OriginalSnapshots);
            Assert.Equal(original.ToSequenceNr, fast.ToSequenceNr);
            if (original.Snapshot is null)
            {
                Assert.Null(fast.Snapshot);
                return null;
            }
            Assert.NotNull(fast.Snapshot);
            Assert.Equal(original.Snapshot.Metadata.PersistenceId, fast.Snapshot.Metadata.PersistenceId);
            Assert.Equal(original.Snapshot.Metadata.SequenceNr, fast.Snapshot.Metadata.SequenceNr);
            Assert.Equal(original.Snapshot.Metadata.Timestamp, fast.Snapshot.Metadata.Timestamp);
            Assert.Equal(original.Snapshot.Metadata.Timestamp.Kind, fast.Snapshot.Metadata.Timestamp.Kind);
            Assert.Equal(original.Snapshot.Snapshot, fast.Snapshot.Snapshot);
            return fast.Snapshot;
        }

        /// <summary>Starts a persistent actor on <paramref name="pid"/> (our plugins) and asks what it recovered.</summary>
        public (long Total, long LastSequenceNr) Recover(string pid)
        {
            var probe = Probe();
            var actor = System.ActorOf(Props.Create(() => new Summing(pid)));
            actor.Tell("state?", probe.Ref);
            var answer = probe.ExpectMsg<(long, long)>(Bound);
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
