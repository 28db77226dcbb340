using AkkaRpc.Protocol;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Resilience;

/// <summary>Hedging, forking, broadcast and per-node breakers of stateless services, on a fake clock.</summary>
public class StatelessModesTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    public StatelessModesTests() : base(TestConfig.ActorTests) { }

    private ScriptedNodes Nodes(Func<int, RpcCall, RpcReply?> script) => new(Sys, _time, 3, script);

    [Fact]
    public async Task A_key_should_go_to_the_same_node_every_time()
    {
        var nodes = Nodes(ScriptedNodes.Ok);
        foreach (var symbol in new[] { "A", "B", "C", "D", "E", "F" })
        {
            var first = (await nodes.Drive(nodes.Quote(symbol))).ServedBy;
            for (var i = 0; i < 5; i++) Assert.Equal(first, (await nodes.Drive(nodes.Quote(symbol))).ServedBy);
        }
    }

    [Fact]
    public async Task Hedging_should_ask_another_node_after_the_delay_and_cancel_the_loser()
    {
        int? primary = null;
        var nodes = Nodes((node, call) =>
        {
            primary ??= node;
            return node == primary ? null : ScriptedNodes.Ok(node, call); // the key's own node hangs
        });
        var policy = new AkkaRpc.CallPolicy { HedgeDelay = TimeSpan.FromMilliseconds(100), MaxAttempts = 1 };
        var result = await nodes.Drive(nodes.Quote("HEDGE", policy), TimeSpan.FromMilliseconds(5));

        Assert.True(result.IsOk, result.ToString());
        Assert.NotEqual($"node{primary}", result.ServedBy);
        var received = nodes.Received.ToArray();
        Assert.Equal(2, received.Length);
        Assert.NotEqual(received[0].Node, received[1].Node);
        Assert.InRange((received[1].At - received[0].At).TotalMilliseconds, 100, 130);
        Assert.Equal(received[0].Call.RequestId, received[1].Call.RequestId);
        Assert.Equal(0, nodes.Runtime.Pending.Count); // the losing attempt no longer waits
    }

    [Fact]
    public async Task Forking_should_send_to_n_distinct_nodes_at_once_and_take_the_first_answer()
    {
        // No node answers by itself: node 2's answer is given below, once all three have the call. Polly launches the
        // next fork only while no earlier one has answered, so an answer that came back between two launches would
        // (rightly) spare the remaining nodes; this test pins down the case where none has answered yet.
        var nodes = Nodes((_, _) => null);
        var start = _time.GetUtcNow();
        // The fake clock is not driven here: all three attempts must leave without waiting for any timer, and node 2's
        // answer must end the call although the other two never answer.
        var call = nodes.Quote("FORK", new AkkaRpc.CallPolicy { Mode = AkkaRpc.FaultMode.Forking, ForkCount = 3, MaxAttempts = 1 });
        await Eventually.TrueAsync(() => nodes.Received.Count >= 3, TimeSpan.FromSeconds(5), "all three nodes got the call");
        var received = nodes.Received.ToArray();
        nodes.Runtime.Pending.Complete(ScriptedNodes.Ok(2, received.Single(r => r.Node == 2).Call));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.IsOk, result.ToString());
        Assert.Equal("node2", result.ServedBy);
        Assert.Equal([0, 1, 2], received.Select(r => r.Node).Order());
        Assert.All(received, r => Assert.Equal(start, r.At));
    }

    [Fact]
    public async Task Broadcast_should_reach_every_node_and_fail_if_any_fails()
    {
        var nodes = Nodes(ScriptedNodes.Ok);
        var all = await nodes.Drive(nodes.Quote("ALL", new AkkaRpc.CallPolicy { Mode = AkkaRpc.FaultMode.Broadcast }));
        Assert.True(all.IsOk, all.ToString());
        Assert.Equal([0, 1, 2], nodes.Received.Select(r => r.Node).Order());

        nodes.Script = (node, call) => node == 1 ? ScriptedClient.Fail(call, AkkaRpc.RpcStatusCode.FailedPrecondition) : ScriptedNodes.Ok(node, call);
        var one = await nodes.Drive(nodes.Quote("ALL", new AkkaRpc.CallPolicy { Mode = AkkaRpc.FaultMode.Broadcast }));
        Assert.Equal(AkkaRpc.RpcStatusCode.FailedPrecondition, one.Code);
        Assert.Contains("broadcast to 3 nodes", one.Error!.Message);
    }

    [Fact]
    public async Task A_failing_node_should_be_ejected_and_its_keys_served_by_the_next_node()
    {
        var nodes = Nodes((node, call) => node == 0 ? ScriptedClient.Fail(call, AkkaRpc.RpcStatusCode.Unavailable) : ScriptedNodes.Ok(node, call));
        // Find keys whose own node is node 0.
        var keys = new List<string>();
        for (var i = 0; keys.Count < 6 && i < 200; i++)
        {
            var before = nodes.Received.Count;
            await nodes.Drive(nodes.Quote($"K{i}", AkkaRpc.CallPolicy.NoRetry));
            if (nodes.Received.Skip(before).First().Node == 0) keys.Add($"K{i}");
        }
        Assert.True(keys.Count >= 5, "not enough keys on node 0");
        Assert.True(nodes.Health.EjectedCount == 1, "node 0 should be ejected after 5 consecutive failures");

        // While ejected, node 0's keys go to the next node on the ring and succeed.
        foreach (var key in keys)
        {
            var result = await nodes.Drive(nodes.Quote(key, AkkaRpc.CallPolicy.NoRetry));
            Assert.True(result.IsOk, result.ToString());
            Assert.NotEqual("node0", result.ServedBy);
        }

        // After the ejection time it gets traffic again (half-open) and, healthy now, keeps it.
        nodes.Script = ScriptedNodes.Ok;
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("node0", (await nodes.Drive(nodes.Quote(keys[0], AkkaRpc.CallPolicy.NoRetry))).ServedBy);
        Assert.Equal(0, nodes.Health.EjectedCount);
    }

    [Fact]
    public async Task Hedging_forking_and_broadcast_should_be_refused_for_entity_services()
    {
        var client = new ScriptedClient(Sys, _time, ScriptedClient.Ok);
        var result = await client.Drive(client.Deposit("e1", new AkkaRpc.CallOptions { Policy = new AkkaRpc.CallPolicy { HedgeDelay = TimeSpan.FromMilliseconds(10) } }));
        Assert.Equal(AkkaRpc.RpcStatusCode.InvalidArgument, result.Code);
        Assert.Empty(client.Received);
    }
}
