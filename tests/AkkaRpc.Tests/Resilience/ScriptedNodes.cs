using System.Collections.Concurrent;
using Akka.Actor;
using AkkaRpc.Client;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Sample.Quotes;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Resilience;

/// <summary>
/// The real client and the real stateless routing logic (hash ring, per-node breakers) over N scripted "nodes" in
/// one actor system, with a fake clock: each node answers per its script, or stays silent.
/// </summary>
internal sealed class ScriptedNodes
{
    public ScriptedNodes(ActorSystem system, FakeTimeProvider time, int nodes, Func<int, RpcCall, RpcReply?> script,
        ClientResilienceOptions? resilience = null)
    {
        Time = time;
        Script = script;
        Runtime = AkkaRpcRuntime.Get(system);
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var paths = Enumerable.Range(0, nodes).Select(i =>
        {
            var index = i;
            return system.ActorOf(Props.Create(() => new Node(this, index)), $"{prefix}-node{i}").Path.ToStringWithoutAddress();
        }).ToArray();
        var options = resilience ?? new ClientResilienceOptions();
        Health = new NodeHealth(time, options.BreakerBreakDuration);
        var router = system.ActorOf(Props.Empty.WithRouter(new RpcHashRingGroup(paths, 100, Health)));
        var correlator = system.ActorOf(ReplyCorrelator.Props(Runtime.Pending, time));
        Runtime.Start(new ServiceDirectory([new ServiceEndpoint("quotes", ServiceKind.Stateless, router, true, Health)]), correlator,
            new PolicyTable(CallPolicy.Default, [], []), options, time);
    }

    public FakeTimeProvider Time { get; }
    public AkkaRpcRuntime Runtime { get; }
    public NodeHealth Health { get; }
    public Func<int, RpcCall, RpcReply?> Script { get; set; }

    /// <summary>Every attempt, with the node that received it and the fake time.</summary>
    public ConcurrentQueue<(int Node, RpcCall Call, DateTimeOffset At)> Received { get; } = new();

    public Task<RpcResult<Quote>> Quote(string symbol, CallPolicy? policy = null) =>
        Runtime.Client.CallAsync(new GetQuote(symbol, 1), policy is null ? null : new CallOptions { Policy = policy });

    public Task<T> Drive<T>(Task<T> task, TimeSpan? step = null) => ScriptedClient.DriveClock(Time, task, step);

    public static RpcReply Ok(int node, RpcCall call) =>
        RpcReply.Ok(call.CallId, new Quote(((GetQuote)call.Request).Symbol, 1, node, node), $"node{node}");

    private sealed class Node : ReceiveActor
    {
        public Node(ScriptedNodes owner, int index) => Receive<RpcCall>(call =>
        {
            owner.Received.Enqueue((index, call, owner.Time.GetUtcNow()));
            if (owner.Script(index, call) is { } reply) Sender.Tell(reply);
        });
    }
}
