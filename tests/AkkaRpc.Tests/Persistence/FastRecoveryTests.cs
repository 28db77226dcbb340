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
        // A max as large as the window cannot cut it (replays sharing a query); one less does (the replay reads alone).
        Assert.Equal(5, journals.AssertSameReplay("acc-1", 4, 8, 5).Events.Count);
        Assert.Equal([4L, 5L, 6L, 7L], journals.AssertSameReplay("acc-1", 4, 8, 4).Events.Select(e => e.SequenceNr));
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
    public async Task A_snapshot_load_should_answer_the_next_highest_sequence_number_read_unless_a_write_came_between(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        journals.Write("acc-h", 1, [.. Enumerable.Range(1, 12).Select(i => (object)new Deposited("acc-h", i))]);
        journals.SaveSnapshot(new SnapshotMetadata("acc-h", 10, DateTime.UtcNow), new Balance("acc-h", 55));
        var hints = journals.Hints;

        // A recovery's two reads: the snapshot (which reads the journal's highest number along), then the events above
        // it, whose highest number comes from that read.
        Assert.Equal(10, journals.Load(journals.FastSnapshots, "acc-h").Snapshot!.Metadata.SequenceNr);
        Assert.Equal(1, hints.Count);
        var after = journals.AssertSameReplay("acc-h", 11, long.MaxValue, long.MaxValue);
        Assert.Equal(0, hints.Count);
        Assert.Equal([11L, 12L], after.Events.Select(e => e.SequenceNr));
        Assert.Equal(12, after.Highest);

        // A write between the two reads: the second sees it.
        journals.Load(journals.FastSnapshots, "acc-h");
        Assert.Equal(1, hints.Count);
        journals.Write("acc-h", 13, [new Deposited("acc-h", 13), new Deposited("acc-h", 14)]);
        Assert.Equal(0, hints.Count);
        var later = journals.AssertSameReplay("acc-h", 11, long.MaxValue, long.MaxValue);
        Assert.Equal([11L, 12L, 13L, 14L], later.Events.Select(e => e.SequenceNr));
        Assert.Equal(14, later.Highest);

        // An id with no snapshot gets its highest number along too; one with no events, zero.
        journals.Write("acc-n", 1, [new Deposited("acc-n", 1)]);
        Assert.Null(journals.Load(journals.FastSnapshots, "acc-n").Snapshot);
        Assert.Null(journals.Load(journals.FastSnapshots, "nobody").Snapshot);
        Assert.Equal(2, hints.Count);
        Assert.Equal(1, journals.AssertSameReplay("acc-n", 1, long.MaxValue, long.MaxValue).Highest);
        Assert.Equal(0, journals.AssertSameReplay("nobody", 1, long.MaxValue, long.MaxValue).Highest);
        Assert.Equal(0, hints.Count);

        var recovered = journals.Recover("acc-h");
        Assert.Equal(55 + 11 + 12 + 13 + 14, recovered.Total);
        Assert.Equal(14, recovered.LastSequenceNr);
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

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Many_ids_recovering_at_once_should_each_read_what_the_plugin_reads(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        // 60 ids with events (every third with snapshots, every fifth with its first events deleted) among 40 with none.
        var written = Enumerable.Range(0, 60).Select(i => $"many-{i}").ToList();
        journals.WriteMany(written.Select(pid => (pid, 1L, Enumerable.Range(1, 7).Select(n => (object)new Deposited(pid, n)).ToArray())));
        for (var i = 0; i < written.Count; i += 3)
        {
            journals.SaveSnapshot(new SnapshotMetadata(written[i], 3, DateTime.UtcNow), new Balance(written[i], 6));
            journals.SaveSnapshot(new SnapshotMetadata(written[i], 5, DateTime.UtcNow), new Balance(written[i], 15));
        }
        for (var i = 0; i < written.Count; i += 5) journals.DeleteTo(written[i], 4);
        var pids = written.Concat(Enumerable.Range(0, 40).Select(i => $"none-{i}")).OrderBy(p => p.GetHashCode()).ToList();

        // Every id asked at once, as a cold restart asks: most lookups queue behind one in flight and share a query.
        var snapshots = await journals.LoadAllAtOnce(journals.FastSnapshots, pids);
        var fromZero = journals.ReplayAllAtOnce(journals.Fast, pids, from: 1);
        var fromSix = journals.ReplayAllAtOnce(journals.Fast, pids, from: 6);
        foreach (var pid in pids)
        {
            journals.AssertSameSnapshot(journals.Load(journals.OriginalSnapshots, pid), snapshots[pid]);
            Journals.AssertSame(journals.ReplayOne(journals.Original, pid, 1), fromZero[pid]);
            Journals.AssertSame(journals.ReplayOne(journals.Original, pid, 6), fromSix[pid]);
        }
        Assert.Equal(20, snapshots.Values.Count(s => s.Snapshot is not null));
        Assert.All(written, pid => Assert.Equal(7, fromZero[pid].Highest));
        Assert.Equal(7, fromSix[written[0]].Highest);
        Assert.Equal([6L, 7L], fromSix[written[0]].Events.Select(e => e.SequenceNr));
        Assert.Equal([5L, 6L, 7L], fromZero[written[0]].Events.Select(e => e.SequenceNr));
        Assert.All(pids.Where(p => p.StartsWith("none-", StringComparison.Ordinal)), pid => Assert.Equal(0, fromZero[pid].Highest));

        // And persistent actors started all at once recover snapshot plus later events, each its own.
        var totals = await journals.RecoverAllAtOnce(written);
        for (var i = 0; i < written.Count; i++)
            // Snapshot 15 + events 6 and 7; events 5..7 after a delete up to 4; all of 1..7 otherwise.
            Assert.Equal((i % 3 == 0 ? 15 + 6 + 7 : i % 5 == 0 ? 5 + 6 + 7 : 28, 7L), totals[written[i]]);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_bad_snapshot_among_many_loaded_at_once_should_fail_only_its_own_recovery(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        var good = Enumerable.Range(0, 12).Select(i => $"good-{i}").ToList();
        journals.WriteMany(good.Select(pid => (pid, 1L, new object[] { new Deposited(pid, 1), new Deposited(pid, 2) })));
        foreach (var pid in good) journals.SaveSnapshot(new SnapshotMetadata(pid, 1, DateTime.UtcNow), new Balance(pid, 100));
        journals.Write("bad-1", 1, [new Deposited("bad-1", 1)]);
        journals.SaveSnapshot(new SnapshotMetadata("bad-1", 1, DateTime.UtcNow), new Unreadable("z"));
        var pids = good.Take(6).Append("bad-1").Concat(good.Skip(6)).ToList();

        var loaded = await journals.LoadAllAtOnce(journals.FastSnapshots, pids);
        var failure = Assert.IsType<LoadSnapshotFailed>(loaded["bad-1"].Failure);
        Assert.Contains("snapshot bad-1 #1", failure.Cause.ToString(), StringComparison.Ordinal);
        Assert.All(good, pid => Assert.Equal(new Balance(pid, 100), loaded[pid].Snapshot!.Snapshot));

        // Started all at once, the bad one stops and every other recovers.
        var probe = journals.Probe();
        var bad = journals.System.ActorOf(Props.Create(() => new Summing("bad-1")));
        probe.Watch(bad);
        var totals = await journals.RecoverAllAtOnce(good);
        probe.ExpectTerminated(bad, Bound);
        Assert.All(good, pid => Assert.Equal((102L, 2L), totals[pid]));
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_bad_event_among_many_replayed_at_once_should_fail_only_its_own_replay(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        var good = Enumerable.Range(0, 20).Select(i => $"fine-{i}").ToList();
        journals.WriteMany(good.Select(pid => (pid, 1L, new object[] { new Deposited(pid, 1), new Deposited(pid, 2), new Deposited(pid, 3) })));
        journals.Write("broken-1", 1, [new Deposited("broken-1", 1), new Unreadable("x"), new Deposited("broken-1", 3)]);
        var pids = good.Take(10).Append("broken-1").Concat(good.Skip(10)).ToList();

        // Every replay asked before any answer is read, so most share queries, the broken one among them.
        foreach (var (pid, reader) in journals.AskReplaysAtOnce(journals.Fast, pids, from: 1))
        {
            if (pid != "broken-1")
            {
                Assert.Equal([1L, 2L, 3L], Journals.Collect(reader).Events.Select(e => e.SequenceNr));
                continue;
            }
            // Its events up to the bad one, then the failure that names the row; never the event after it.
            Assert.Equal(1, reader.ExpectMsg<ReplayedMessage>(Bound).Persistent.SequenceNr);
            var failure = reader.ExpectMsg<ReplayMessagesFailure>(Bound);
            Assert.Contains("broken-1 #2", Assert.IsType<RecoveryReadException>(failure.Cause).Message);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Replays_asked_right_after_writes_should_see_the_writes_while_lookups_are_coalesced(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var journals = Journals.Start(database);
        for (var round = 0; round < 5; round++)
        {
            // Each id's replay is queued right behind its write, between other ids' writes and replays and replays of
            // ids without events, so its highest-sequence-number lookup waits for its write and then joins a shared query.
            var work = Enumerable.Range(0, 12).Select(i =>
            {
                var pid = $"acc-cw{round}-{i}";
                var writer = journals.Probe();
                journals.Fast.Tell(Journals.WriteOf(pid, 1, [new Deposited(pid, 1), new Deposited(pid, 2), new Deposited(pid, 3)], writer.Ref), writer.Ref);
                var reader = journals.Probe();
                journals.Fast.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, pid, reader.Ref), reader.Ref);
                var idle = journals.Probe();
                journals.Fast.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, $"nobody-{round}-{i}", idle.Ref), idle.Ref);
                return (writer, reader, idle);
            }).ToList();
            foreach (var (writer, reader, idle) in work)
            {
                var replayed = Journals.Collect(reader);
                Assert.Equal(3, replayed.Highest);
                Assert.Equal([1L, 2L, 3L], replayed.Events.Select(e => e.SequenceNr));
                Assert.Equal(0, Journals.Collect(idle).Highest);
                writer.ExpectMsg<WriteMessagesSuccessful>(Bound);
            }
        }
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

    private sealed record LoadAnswer(LoadSnapshotResult? Result, LoadSnapshotFailed? Failure)
    {
        public SelectedSnapshot? Snapshot => Result?.Snapshot;
    }

    private sealed class Journals : IDisposable
    {
        private const string Plain = PluginSideBySide.Plain;

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

        /// <summary>What our snapshot store leaves for our journal.</summary>
        public HighestSequenceNrHints Hints => RecoveryHintsExtension.Get(System).For(
            new JournalConfig(System.Settings.Config.GetConfig("akka.persistence.journal.sql").WithFallback(SqlPersistence.DefaultJournalConfiguration)));

        public static Journals Start(TestDatabase database) =>
            new(PluginSideBySide.Start(database, "fast-recovery",
                $"akka.actor.serializers.unreadable = \"{typeof(UnreadableSerializer).AssemblyQualifiedName}\"",
                $"akka.actor.serialization-bindings {{ \"{typeof(Unreadable).AssemblyQualifiedName}\" = unreadable }}"));

        public TestProbe Probe() => Kit.CreateTestProbe();

        public static WriteMessages WriteOf(string pid, long firstSequenceNr, object[] payloads, IActorRef writer) =>
            PluginSideBySide.WriteOf(pid, firstSequenceNr, payloads, writer);

        /// <summary>Writes one batch through our journal and waits for it.</summary>
        public void Write(string pid, long firstSequenceNr, object[] payloads) =>
            PluginSideBySide.Write(Probe(), Fast, pid, firstSequenceNr, payloads, Bound);

        /// <summary>Writes one batch per id, all in one request, through our journal and waits for them.</summary>
        public void WriteMany(IEnumerable<(string Pid, long FirstSequenceNr, object[] Payloads)> writes)
        {
            var writer = Probe();
            var atomic = writes.Select(w => (IPersistentEnvelope)new AtomicWrite(w.Payloads
                .Select((p, i) => (IPersistentRepresentation)new Persistent(p, w.FirstSequenceNr + i, w.Pid, "", false, writer.Ref, "writer-1"))
                .ToImmutableList())).ToList();
            Fast.Tell(new WriteMessages(atomic, writer.Ref, 1), writer.Ref);
            writer.ExpectMsg<WriteMessagesSuccessful>(Bound);
            var events = atomic.Sum(a => ((AtomicWrite)a).Size);
            for (var i = 0; i < events; i++)
            {
                var answer = writer.ExpectMsg<object>(Bound);
                Assert.True(answer is WriteMessageSuccess, $"write: {answer}");
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

        public Replay ReplayOne(IActorRef journal, string pid, long from, long to = long.MaxValue, long max = long.MaxValue)
        {
            var probe = Probe();
            journal.Tell(new ReplayMessages(from, to, max, pid, probe.Ref), probe.Ref);
            return Collect(probe);
        }

        /// <summary>Asks for every id's replay before collecting any answer.</summary>
        public Dictionary<string, Replay> ReplayAllAtOnce(IActorRef journal, IReadOnlyList<string> pids, long from) =>
            AskReplaysAtOnce(journal, pids, from).ToDictionary(p => p.Pid, p => Collect(p.Reader));

        /// <summary>Sends every id's replay request, one probe each, before any answer is read.</summary>
        public List<(string Pid, TestProbe Reader)> AskReplaysAtOnce(IActorRef journal, IReadOnlyList<string> pids, long from) =>
            pids.Select(pid =>
            {
                var reader = Probe();
                journal.Tell(new ReplayMessages(from, long.MaxValue, long.MaxValue, pid, reader.Ref), reader.Ref);
                return (pid, reader);
            }).ToList();

        /// <summary>Asks for every id's latest snapshot before awaiting any answer.</summary>
        public async Task<Dictionary<string, LoadAnswer>> LoadAllAtOnce(IActorRef store, IReadOnlyList<string> pids)
        {
            var asks = pids.Select(pid => (pid, answer: store.Ask<object>(new LoadSnapshot(pid, SnapshotSelectionCriteria.Latest, long.MaxValue), Bound))).ToList();
            await Task.WhenAll(asks.Select(a => a.answer));
            return asks.ToDictionary(a => a.pid, a => a.answer.Result switch
            {
                LoadSnapshotResult result => new LoadAnswer(result, null),
                LoadSnapshotFailed failed => new LoadAnswer(null, failed),
                var other => throw new Xunit.Sdk.XunitException($"unexpected answer to a load: {other}"),
            });
        }

        public LoadSnapshotResult Load(IActorRef store, string pid, SnapshotSelectionCriteria? criteria = null)
        {
            var probe = Probe();
            store.Tell(new LoadSnapshot(pid, criteria ?? SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
            return probe.ExpectMsg<LoadSnapshotResult>(Bound);
        }

        /// <summary>Starts a persistent actor per id, all at once, then asks each what it recovered.</summary>
        public async Task<Dictionary<string, (long Total, long LastSequenceNr)>> RecoverAllAtOnce(IReadOnlyList<string> pids)
        {
            var actors = pids.Select(pid => (pid, actor: System.ActorOf(Props.Create(() => new Summing(pid))))).ToList();
            var answers = actors.Select(a => (a.pid, answer: a.actor.Ask<(long, long)>("state?", Bound))).ToList();
            await Task.WhenAll(answers.Select(a => a.answer));
            foreach (var (_, actor) in actors) System.Stop(actor);
            return answers.ToDictionary(a => a.pid, a => a.answer.Result);
        }

        /// <summary>Replays through both journals and asserts every field of every event is the same.</summary>
        public Replay AssertSameReplay(string pid, long from, long to, long max)
        {
            var fast = ReplayOne(Fast, pid, from, to, max);
            var original = ReplayOne(Original, pid, from, to, max);
            AssertSame(original, fast);
            return fast;
        }

        public static void AssertSame(Replay original, Replay fast)
        {
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
        }

        /// <summary>Loads through both snapshot stores and asserts the same snapshot (or none) comes back.</summary>
        public SelectedSnapshot? AssertSameSnapshot(string pid, SnapshotSelectionCriteria criteria) =>
            AssertSameSnapshot(Load(OriginalSnapshots, pid, criteria), new LoadAnswer(Load(FastSnapshots, pid, criteria), null));

        public SelectedSnapshot? AssertSameSnapshot(LoadSnapshotResult original, LoadAnswer answer)
        {
            Assert.Null(answer.Failure);
            var fast = answer.Result!;
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
