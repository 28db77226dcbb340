using Akka.Actor;
using AkkaRpc.Entities;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;
using AkkaRpc.Transport;

namespace AkkaRpc.Tests.Cluster;

/// <summary>Batching never decides where an entity lives: a wrong or dead shard hint costs a hop or a retry, never a
/// lost or doubled write.</summary>
[Collection(ClusterCollection.Name)]
public class BatchingRoutingTests : IClassFixture<ThreeNodeFixture>
{
    private readonly ThreeNodeFixture _cluster;

    public BatchingRoutingTests(ThreeNodeFixture cluster) => _cluster = cluster;

    /// <summary>Opens an account through node 0 that lives on another node; returns it, its home and the third node.</summary>
    private async Task<(string Key, InProcessNode Home, InProcessNode Third)> AccountOnAnotherNodeAsync(string prefix)
    {
        var caller = _cluster.Nodes[0];
        for (var i = 0; ; i++)
        {
            var key = $"{prefix}-{i}";
            var opened = await caller.Client.CallAsync(new OpenAccount(key, "Ann"));
            Assert.True(opened.IsOk, opened.ToString());
            if (opened.ServedBy == caller.Address) continue;
            var home = _cluster.Nodes.Single(n => n.Address == opened.ServedBy);
            return (key, home, _cluster.Nodes.Single(n => n != caller && n != home));
        }
    }

    private static (ShardHints Hints, int Shard) HintOf(InProcessNode caller, string key)
    {
        var hints = caller.Runtime.Directory.Find(AccountEntity.ServiceName)!.Hints!;
        return (hints, ShardKeys.ShardOf(key, hints.ShardCount));
    }

    [Fact]
    public async Task A_call_sent_on_a_stale_hint_should_reach_the_entity_once_through_the_hinted_nodes_region()
    {
        var caller = _cluster.Nodes[0];
        var (key, home, third) = await AccountOnAnotherNodeAsync("stale");
        var (hints, shard) = HintOf(caller, key);
        Assert.Same(caller.Runtime.Routes!.RouteTo(home.Address), hints.Get(shard)); // learned from the open

        // Point the shard at the wrong node: its region must forward the call to the real home.
        hints.Learn(shard, caller.Runtime.Routes.RouteTo(third.Address));
        var options = new CallOptions { RequestId = $"{key}-deposit" };
        var deposit = await caller.Client.CallAsync(new Deposit(key, 10), options);
        Assert.True(deposit.IsOk, deposit.ToString());
        Assert.Equal((home.Address, 1), (deposit.ServedBy, deposit.Attempts));
        Assert.Same(caller.Runtime.Routes.RouteTo(home.Address), hints.Get(shard)); // corrected by the reply

        // The same request again (a client retry): answered from the entity's memory, not applied twice.
        var again = await caller.Client.CallAsync(new Deposit(key, 10), options);
        Assert.True(again.IsOk, again.ToString());
        var balance = await third.Client.CallAsync(new GetBalance(key));
        Assert.Equal(new AccountBalance(key, 10, 1), balance.Value);
    }

    [Fact]
    public async Task A_call_on_a_hint_to_a_dead_route_should_time_out_once_and_succeed_through_the_region()
    {
        var caller = _cluster.Nodes[0];
        var (key, home, _) = await AccountOnAnotherNodeAsync("dead");
        var (hints, shard) = HintOf(caller, key);

        // A route whose batcher is gone: what is sent on it is lost, as to a node that died before anyone noticed.
        var gone = caller.System.ActorOf(Props.Empty);
        caller.System.Stop(gone);
        var dead = new NodeRoute(Address.Parse(home.Address), gone);
        hints.Learn(shard, dead);

        var policy = CallPolicy.Default with { AttemptTimeout = TimeSpan.FromMilliseconds(500), BackoffBase = TimeSpan.FromMilliseconds(10) };
        var deposit = await caller.Client.CallAsync(new Deposit(key, 5), new CallOptions { Policy = policy, Timeout = TimeSpan.FromSeconds(10) });
        Assert.True(deposit.IsOk, deposit.ToString());
        Assert.Equal((home.Address, 2), (deposit.ServedBy, deposit.Attempts));
        Assert.NotSame(dead, hints.Get(shard));
        var balance = await caller.Client.CallAsync(new GetBalance(key));
        Assert.Equal(new AccountBalance(key, 5, 1), balance.Value);
    }
}
