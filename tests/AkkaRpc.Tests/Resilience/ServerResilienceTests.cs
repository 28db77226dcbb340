using Akka.Actor;
using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Tests.Infrastructure;
using MessagePack;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Resilience;

/// <summary>Server-side failure handling: poison requests, restart backoff, load shedding.</summary>
public class ServerResilienceTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private long _ids;

    public ServerResilienceTests() : base(TestConfig.ActorTests) { }

    private RpcCall Call(IEntityRequest request, string? requestId = null, long sentMs = 0, int attemptTimeoutMs = 0) =>
        new(Interlocked.Increment(ref _ids), requestId ?? Guid.NewGuid().ToString("N"), "poison", request.EntityKey, null,
            _time.GetUtcNow().AddSeconds(30).ToUnixTimeMilliseconds(), 1, request, sentMs, attemptTimeoutMs);

    [Fact]
    public void A_poison_request_should_get_a_permanent_error_and_never_wedge_the_entity()
    {
        var entity = Sys.ActorOf(EntitySupervisor.Props(new PoisonEntity(), "p1", new EntitySettings(100, 100, _time)));
        for (var i = 0; i < 5; i++)
        {
            entity.Tell(Call(new Touch("p1", Poison: true)));
            var reply = ExpectMsg<RpcReply>();
            Assert.Equal(RpcStatusCode.Internal, reply.Code);
            Assert.Contains("nothing was applied", reply.Message);
        }
        // The requests behind it are served, and nothing of the poison was applied.
        entity.Tell(Call(new Touch("p1", Poison: false)));
        var ok = ExpectMsg<RpcReply>();
        Assert.Equal(RpcStatusCode.Ok, ok.Code);
        Assert.Equal(new TouchCount("p1", 1), ok.Response);
    }

    [Fact]
    public void An_entity_that_stops_should_be_restarted_with_backoff_and_callers_told_at_once()
    {
        // A wide backoff window, so a busy machine cannot skip past the state under test.
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6), 0, TimeSpan.FromMinutes(1));
        var supervisor = Sys.ActorOf(EntitySupervisor.Props(Props.Create(() => new CrashingChild()), backoff, TimeProvider.System));

        supervisor.Tell(Call(new Touch("c1", Poison: true))); // the child stops itself, as on a journal failure
        AwaitAssert(() =>
        {
            supervisor.Tell(Call(new Touch("c1", Poison: false)));
            var reply = ExpectMsg<RpcReply>(TimeSpan.FromMilliseconds(500));
            Assert.Equal(RpcStatusCode.Unavailable, reply.Code);
            Assert.True(reply.RetryAfterMs > 0);
        }, TimeSpan.FromSeconds(2.5));

        // After the backoff the child is back and serves.
        AwaitAssert(() =>
        {
            supervisor.Tell(Call(new Touch("c1", Poison: false)));
            Assert.Equal(RpcStatusCode.Ok, ExpectMsg<RpcReply>(TimeSpan.FromSeconds(1)).Code);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Backoff_should_double_up_to_the_cap_with_bounded_jitter()
    {
        var backoff = new RestartBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2, TimeSpan.FromSeconds(30));
        var random = new Random(1);
        Assert.InRange(backoff.Delay(1, random).TotalMilliseconds, 500, 600);
        Assert.InRange(backoff.Delay(3, random).TotalMilliseconds, 2000, 2400);
        Assert.InRange(backoff.Delay(20, random).TotalMilliseconds, 10_000, 12_000);
    }

    [Fact]
    public void Load_shedding_should_drop_abandoned_attempts_and_refuse_fast_when_behind()
    {
        var shedder = new LoadShedder(new LoadSheddingOptions { MaxQueueDelay = TimeSpan.FromSeconds(1), MaxInFlightWrites = 2 }, _time, null);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.Null(shedder.Check(Call(new Touch("k", false), sentMs: now - 100, attemptTimeoutMs: 2000), "svc"));

        var abandoned = shedder.Check(Call(new Touch("k", false), sentMs: now - 2500, attemptTimeoutMs: 2000), "svc");
        Assert.Equal(RpcStatusCode.Unavailable, abandoned!.Value.Error.Code);

        var behind = shedder.Check(Call(new Touch("k", false), sentMs: now - 1500, attemptTimeoutMs: 5000), "svc");
        Assert.Equal(RpcStatusCode.ResourceExhausted, behind!.Value.Error.Code);
        Assert.True(behind.Value.RetryAfterMs > 0);

        Assert.Null(shedder.TryEnterWrite("svc"));
        Assert.Null(shedder.TryEnterWrite("svc"));
        Assert.Equal(RpcStatusCode.ResourceExhausted, shedder.TryEnterWrite("svc")!.Value.Error.Code);
        shedder.ExitWrite();
        Assert.Null(shedder.TryEnterWrite("svc"));
    }

    [Fact]
    public void An_entity_past_its_write_limit_should_refuse_writes_but_serve_reads()
    {
        var shedder = new LoadShedder(new LoadSheddingOptions { MaxInFlightWrites = 1 }, _time, null);
        Assert.Null(shedder.TryEnterWrite("other")); // the node's only write slot is taken
        var entity = Sys.ActorOf(EntitySupervisor.Props(new PoisonEntity(), "w1", new EntitySettings(100, 100, _time, shedder)));
        entity.Tell(Call(new Touch("w1", Poison: false)));
        var refused = ExpectMsg<RpcReply>();
        Assert.Equal(RpcStatusCode.ResourceExhausted, refused.Code);
        shedder.ExitWrite();
        entity.Tell(Call(new Touch("w1", Poison: false)));
        Assert.Equal(new TouchCount("w1", 1), ExpectMsg<RpcReply>().Response);
    }

    // A test service whose handler throws on a poison request, and a child that stops itself on one.

    [RpcMethod("poison", "Touch"), MessagePackObject]
    public sealed record Touch([property: Key(0)] string Key, [property: Key(1)] bool Poison) : IRpcRequest<TouchCount>, IEntityRequest
    {
        [IgnoreMember] public string EntityKey => Key;
    }

    [WireType("poison.TouchCount"), MessagePackObject]
    public sealed record TouchCount([property: Key(0)] string Key, [property: Key(1)] int Count) : IRpcMessage;

    [WireType("poison.Touched"), MessagePackObject]
    public sealed record Touched : IRpcMessage;

    private sealed class PoisonEntity : RpcEntity<TouchCount>
    {
        public PoisonEntity() : base("poison") =>
            On<Touch, TouchCount>((state, touch) => touch.Poison
                ? throw new InvalidOperationException("poison")
                : Persist(new Touched(), s => s));

        public override TouchCount CreateInitial(string entityKey) => new(entityKey, 0);

        public override TouchCount Apply(TouchCount state, IRpcMessage @event) => state with { Count = state.Count + 1 };
    }

    private sealed class CrashingChild : ReceiveActor
    {
        public CrashingChild() => Receive<RpcCall>(call =>
        {
            if (call.Request is Touch { Poison: true }) Context.Stop(Self);
            else Sender.Tell(RpcReply.Ok(call.CallId, new TouchCount("c1", 0), "child"));
        });
    }
}
