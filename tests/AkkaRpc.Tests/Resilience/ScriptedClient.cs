using System.Collections.Concurrent;
using Akka.Actor;
using AkkaRpc.Client;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Sample.Accounts;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Resilience;

/// <summary>
/// The real client (Polly pipelines, budget, breaker, deadlines) of a local actor system, wired to a scripted
/// "service" actor instead of a cluster, with a fake clock. The script decides per attempt: a reply, or silence.
/// </summary>
internal sealed class ScriptedClient
{
    public ScriptedClient(ActorSystem system, FakeTimeProvider time, Func<RpcCall, RpcReply?> script,
        ClientResilienceOptions? resilience = null, CallPolicy? defaultPolicy = null)
    {
        Time = time;
        Script = script;
        Runtime = AkkaRpcRuntime.Get(system);
        var service = system.ActorOf(Props.Create(() => new ScriptedService(this)));
        var correlator = system.ActorOf(ReplyCorrelator.Props(Runtime.Pending, time));
        Runtime.Start(new ServiceDirectory([new ServiceEndpoint("accounts", ServiceKind.Entity, service, true)]), correlator,
            new PolicyTable(defaultPolicy ?? CallPolicy.Default, [], []),
            resilience ?? new ClientResilienceOptions(), time);
    }

    public FakeTimeProvider Time { get; }
    public AkkaRpcRuntime Runtime { get; }
    public Func<RpcCall, RpcReply?> Script { get; set; }

    /// <summary>Every attempt the service received, with the fake time it arrived.</summary>
    public ConcurrentQueue<(RpcCall Call, DateTimeOffset At)> Received { get; } = new();

    public Task<RpcResult<AccountBalance>> Deposit(string account, CallOptions? options = null) =>
        Runtime.Client.CallAsync(new Deposit(account, 1), options);

    /// <summary>Moves the fake clock in small steps until <paramref name="task"/> completes (bounded).</summary>
    public Task<T> Drive<T>(Task<T> task, TimeSpan? step = null) => DriveClock(Time, task, step);

    public static async Task<T> DriveClock<T>(FakeTimeProvider time, Task<T> task, TimeSpan? step = null, int maxSteps = 20_000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            // Let replies in flight (real threads) land before time moves on.
            await Task.Delay(1);
            if (!task.IsCompleted) time.Advance(step ?? TimeSpan.FromMilliseconds(10));
        }
        Assert.True(task.IsCompleted, "the call did not complete while the clock advanced");
        return await task;
    }

    public static RpcReply Ok(RpcCall call) =>
        RpcReply.Ok(call.CallId, new AccountBalance(call.EntityKey!, 1, 1), "scripted");

    public static RpcReply Fail(RpcCall call, RpcStatusCode code, int retryAfterMs = 0) =>
        RpcReply.Fail(call.CallId, new RpcError(code, $"scripted {code}"), "scripted", retryAfterMs);

    private sealed class ScriptedService : ReceiveActor
    {
        public ScriptedService(ScriptedClient owner) => Receive<RpcCall>(call =>
        {
            owner.Received.Enqueue((call, owner.Time.GetUtcNow()));
            if (owner.Script(call) is { } reply) Sender.Tell(reply);
        });
    }
}
