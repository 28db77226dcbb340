using Akka.Actor;
using Akka.Persistence;
using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;
using static AkkaRpc.Tests.Infrastructure.TestRequests;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Entities;

/// <summary>The entity runtime under TestKit, with every message serialized (serialize-messages = on).</summary>
public class EntityActorTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private long _callIds;

    public EntityActorTests() : base(TestConfig.ActorTests) { }

    private EntitySettings Settings(int snapshotEvery = 100, int remembered = 1000) => new(snapshotEvery, remembered, _time);

    private IActorRef Spawn(string key, EntitySettings? settings = null) =>
        Sys.ActorOf(EntityActor.Props(new AccountEntity(), key, settings ?? Settings()));

    private RpcReply Call(IActorRef entity, IEntityRequest request, string? requestId = null, TimeSpan? deadlineIn = null)
    {
        var deadline = _time.GetUtcNow() + (deadlineIn ?? TimeSpan.FromSeconds(5));
        entity.Tell(new RpcCall(Interlocked.Increment(ref _callIds), requestId ?? Guid.NewGuid().ToString("N"), "accounts",
            request.EntityKey, null, deadline.ToUnixTimeMilliseconds(), 1, request));
        return ExpectMsg<RpcReply>(TimeSpan.FromSeconds(5));
    }

    private void Stop(IActorRef entity)
    {
        Watch(entity);
        entity.Tell(StopEntity.Instance);
        ExpectTerminated(entity, TimeSpan.FromSeconds(5));
    }

    private static AccountBalance Balance(RpcReply reply)
    {
        Assert.True(reply.Code == RpcStatusCode.Ok, $"{reply.Code}: {reply.Message}");
        return Assert.IsType<AccountBalance>(reply.Response);
    }

    [Fact]
    public void Write_should_persist_then_reply_with_the_new_state()
    {
        var entity = Spawn("a1");
        Assert.Equal(new AccountBalance("a1", 0, 0), Balance(Call(entity, new OpenAccount("a1", "Ann"))));
        Assert.Equal(new AccountBalance("a1", 70, 1), Balance(Call(entity, new Deposit("a1", 70))));
        Assert.Equal(new AccountBalance("a1", 50, 2), Balance(Call(entity, new Withdraw("a1", 20))));
        Assert.Equal(new AccountBalance("a1", 50, 2), Balance(Call(entity, new GetBalance("a1"))));
    }

    [Fact]
    public void Entity_should_recover_its_state_after_a_restart()
    {
        var entity = Spawn("a2");
        Balance(Call(entity, new OpenAccount("a2", "Bob")));
        Balance(Call(entity, new Deposit("a2", 30)));
        Stop(entity);

        var again = Spawn("a2");
        Assert.Equal(new AccountBalance("a2", 30, 1), Balance(Call(again, new GetBalance("a2"))));
    }

    [Fact]
    public void A_retried_request_id_should_apply_once_and_get_the_original_reply()
    {
        var entity = Spawn("a3");
        Balance(Call(entity, new OpenAccount("a3", "Cy")));
        var first = Call(entity, new Deposit("a3", 10), requestId: "dep-1");
        Balance(Call(entity, new Deposit("a3", 5), requestId: "dep-2"));

        var retry = Call(entity, new Deposit("a3", 10), requestId: "dep-1");
        Assert.True(retry.Deduplicated);
        Assert.Equal(Balance(first), Balance(retry)); // the ORIGINAL reply: balance 10, not 25 or 15
        Assert.Equal(new AccountBalance("a3", 15, 2), Balance(Call(entity, new GetBalance("a3"))));

        // Also after a restart: the request ids are recovered from the journal.
        Stop(entity);
        var again = Spawn("a3");
        var afterRestart = Call(again, new Deposit("a3", 10), requestId: "dep-1");
        Assert.True(afterRestart.Deduplicated);
        Assert.Equal(Balance(first), Balance(afterRestart));
        Assert.Equal(new AccountBalance("a3", 15, 2), Balance(Call(again, new GetBalance("a3"))));
    }

    [Fact]
    public void A_request_past_its_deadline_should_be_refused_and_not_applied()
    {
        var entity = Spawn("a4");
        Balance(Call(entity, new OpenAccount("a4", "Di")));
        var late = Call(entity, new Deposit("a4", 10), deadlineIn: TimeSpan.FromMilliseconds(-1));
        Assert.Equal(RpcStatusCode.DeadlineExceeded, late.Code);
        Assert.Equal(new AccountBalance("a4", 0, 0), Balance(Call(entity, new GetBalance("a4"))));

        // The clock moves; the same request id is not poisoned by the refusal.
        var onTime = Call(entity, new Deposit("a4", 10), requestId: "late-then-ok");
        Assert.Equal(new AccountBalance("a4", 10, 1), Balance(onTime));
    }

    [Fact]
    public void Rejections_should_change_nothing_and_say_why()
    {
        var entity = Spawn("a5");
        Assert.Equal(RpcStatusCode.NotFound, Call(entity, new Deposit("a5", 1)).Code);
        Balance(Call(entity, new OpenAccount("a5", "Ed")));
        Balance(Call(entity, new Deposit("a5", 10)));
        var overdraft = Call(entity, new Withdraw("a5", 11));
        Assert.Equal(RpcStatusCode.FailedPrecondition, overdraft.Code);
        Assert.Contains("insufficient funds", overdraft.Message);
        Assert.Equal(RpcStatusCode.InvalidArgument, Call(entity, new Deposit("a5", -3)).Code);
        Assert.Equal(RpcStatusCode.AlreadyExists, Call(entity, new OpenAccount("a5", "Ed")).Code);
        Assert.Equal(new AccountBalance("a5", 10, 1), Balance(Call(entity, new GetBalance("a5"))));
    }

    [Fact]
    public void Snapshots_should_be_taken_every_N_writes_and_recovery_should_use_them()
    {
        var entity = Spawn("a6", Settings(snapshotEvery: 3));
        Balance(Call(entity, new OpenAccount("a6", "Flo")));            // seq 1
        for (var i = 1; i <= 6; i++)                                     // seq 2..7
            Balance(Call(entity, new Deposit("a6", i), requestId: $"d{i}"));

        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        AwaitAssert(() =>
        {
            store.Tell(new LoadSnapshot("accounts/a6", SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            var loaded = ExpectMsg<LoadSnapshotResult>();
            Assert.Equal(6, loaded.Snapshot?.Metadata.SequenceNr);
            var snapshot = Assert.IsType<EntitySnapshot>(loaded.Snapshot!.Snapshot);
            Assert.Equal(new AccountState("a6", "Flo", 15, 5), snapshot.State);
        }, TimeSpan.FromSeconds(5));

        Stop(entity);
        var again = Spawn("a6", Settings(snapshotEvery: 3));
        Assert.Equal(new AccountBalance("a6", 21, 6), Balance(Call(again, new GetBalance("a6"))));
        // d2 was applied before the snapshot: its id must have travelled inside it.
        var retry = Call(again, new Deposit("a6", 2), requestId: "d2");
        Assert.True(retry.Deduplicated);
        Assert.Equal(new AccountBalance("a6", 3, 2), Balance(retry));
    }

    [Fact]
    public void A_retry_whose_stored_reply_cannot_be_read_should_be_refused_and_not_applied_again()
    {
        // A journal row whose reply payload names a type this node does not know: the entity still recovers (replies
        // are decoded only when a retry asks), other calls work, and the retry of that id is not applied twice.
        byte[] payload = [0x92, 0xB3, .. "accounts.NoSuchType"u8, 0x2A]; // [wire name, 42]
        var unreadable = StoredReply.FromPayload(payload);
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var rows = new[]
        {
            new AtomicWrite(new Persistent(new AppliedCommand("open-z1", [new AccountOpened("Zed")], new StoredReply(new AccountBalance("z1", 0, 0))), 1, "accounts/z1")),
            new AtomicWrite(new Persistent(new AppliedCommand("dep-z1", [new MoneyDeposited(5)], unreadable), 2, "accounts/z1")),
        };
        journal.Tell(new WriteMessages(rows, TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>();
        ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m as WriteMessageSuccess, 2);

        var entity = Spawn("z1");
        Assert.Equal(new AccountBalance("z1", 5, 1), Balance(Call(entity, new GetBalance("z1"))));
        var retry = Call(entity, new Deposit("z1", 5), requestId: "dep-z1");
        Assert.Equal(RpcStatusCode.Internal, retry.Code);
        Assert.Contains("already applied", retry.Message);
        Assert.Equal(new AccountBalance("z1", 5, 1), Balance(Call(entity, new GetBalance("z1"))));
        // The original reply of the readable row is still there.
        Assert.True(Call(entity, new OpenAccount("z1", "Zed"), requestId: "open-z1").Deduplicated);
    }

    [Fact]
    public void Dedupe_memory_should_be_bounded_and_forget_the_oldest_ids()
    {
        var entity = Spawn("a7", Settings(remembered: 2));
        Balance(Call(entity, new OpenAccount("a7", "Gus"), requestId: "open"));
        Balance(Call(entity, new Deposit("a7", 1), requestId: "x1"));
        Balance(Call(entity, new Deposit("a7", 1), requestId: "x2"));
        Assert.True(Call(entity, new Deposit("a7", 1), requestId: "x2").Deduplicated);
        // "open" fell out of the window of 2: a repeat is evaluated afresh (and rejected: already open).
        Assert.Equal(RpcStatusCode.AlreadyExists, Call(entity, new OpenAccount("a7", "Gus"), requestId: "open").Code);
    }

    [Fact]
    public void An_unknown_method_should_get_unimplemented()
    {
        var entity = Spawn("a8");
        var reply = Call(entity, new CloseAccount("a8"));
        Assert.Equal(RpcStatusCode.Unimplemented, reply.Code);
        Assert.Contains("accounts", reply.Message);
    }

    [Fact]
    public void Reusing_an_idempotency_key_for_a_different_request_should_be_refused_and_change_nothing()
    {
        var entity = Spawn("a9", Settings(snapshotEvery: 4));
        Balance(Call(entity, new OpenAccount("a9", "Hal"), requestId: "open-a9"));
        Assert.Equal(new AccountBalance("a9", 10, 1), Balance(Call(entity, new Deposit("a9", 10), requestId: "pay-1")));

        void AssertRefused(IActorRef target)
        {
            // Another amount, and another method, under the same key.
            foreach (IEntityRequest different in new IEntityRequest[] { new Deposit("a9", 11), new Withdraw("a9", 10) })
            {
                var reply = Call(target, different, requestId: "pay-1");
                Assert.Equal(RpcStatusCode.FailedPrecondition, reply.Code);
                Assert.Contains("'pay-1'", reply.Message);
                Assert.Contains("different request", reply.Message);
            }
            // The true retry is still answered from memory, and nothing moved.
            var retry = Call(target, new Deposit("a9", 10), requestId: "pay-1");
            Assert.True(retry.Deduplicated);
            Assert.Equal(new AccountBalance("a9", 10, 1), Balance(retry));
        }

        AssertRefused(entity);

        // After a restart the fingerprint comes back from the journal row...
        Stop(entity);
        var recovered = Spawn("a9", Settings(snapshotEvery: 4));
        AssertRefused(recovered);

        // ...and after a snapshot (seq 4 here) from the snapshot.
        Balance(Call(recovered, new Deposit("a9", 1), requestId: "pay-2"));
        Balance(Call(recovered, new Deposit("a9", 1), requestId: "pay-3"));
        Stop(recovered);
        var fromSnapshot = Spawn("a9", Settings(snapshotEvery: 4));
        var refused = Call(fromSnapshot, new Deposit("a9", 99), requestId: "pay-1");
        Assert.Equal(RpcStatusCode.FailedPrecondition, refused.Code);
        Assert.Equal(new AccountBalance("a9", 12, 3), Balance(Call(fromSnapshot, new GetBalance("a9"))));
    }
}
