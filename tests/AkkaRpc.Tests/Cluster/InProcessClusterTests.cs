using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Routing;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Sample.Quotes;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class InProcessClusterTests : IClassFixture<ThreeNodeFixture>
{
    private readonly ThreeNodeFixture _cluster;
    private readonly ITestOutputHelper _output;

    public InProcessClusterTests(ThreeNodeFixture cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    [Fact]
    public async Task Calls_from_one_node_should_reach_entities_hosted_on_the_others()
    {
        var caller = _cluster.Nodes[0];
        var servedBy = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 60), async (i, _) =>
        {
            var id = $"x-{i}";
            var opened = await caller.Client.CallAsync(new OpenAccount(id, "Ann"));
            Assert.True(opened.IsOk, opened.ToString());
            servedBy[id] = opened.ServedBy!;
        });

        var hosts = servedBy.Values.Distinct().ToArray();
        _output.WriteLine($"60 accounts over {hosts.Length} nodes: {string.Join(", ", servedBy.Values.GroupBy(v => v).Select(g => $"{g.Key}={g.Count()}"))}");
        Assert.Equal(3, hosts.Length);
        Assert.All(hosts, h => Assert.Contains(_cluster.Nodes, n => n.Address == h));

        // A write through one node is read through another: one live entity per key, wherever the caller is.
        var remote = servedBy.First(kv => kv.Value != _cluster.Nodes[1].Address).Key;
        Assert.True((await _cluster.Nodes[1].Client.CallAsync(new Deposit(remote, 25))).IsOk);
        var read = await _cluster.Nodes[2].Client.CallAsync(new GetBalance(remote));
        Assert.Equal(new AccountBalance(remote, 25, 1), read.Value);
        Assert.Equal(servedBy[remote], read.ServedBy);
    }

    [Fact]
    public async Task Router_should_send_a_key_to_the_same_node_every_time()
    {
        var symbols = Enumerable.Range(0, 200).Select(i => $"SYM{i}").ToArray();
        var first = new ConcurrentDictionary<string, string>();
        foreach (var round in Enumerable.Range(0, 3))
        foreach (var caller in _cluster.Nodes)
        {
            await Parallel.ForEachAsync(symbols, async (symbol, _) =>
            {
                var quote = await caller.Client.CallAsync(new GetQuote(symbol, 10));
                Assert.True(quote.IsOk, quote.ToString());
                var node = first.GetOrAdd(symbol, quote.ServedBy!);
                Assert.True(node == quote.ServedBy, $"{symbol} went to {quote.ServedBy} after {node} (round {round})");
            });
        }
        Assert.Equal(3, first.Values.Distinct().Count());
    }

    [Fact]
    public async Task Bad_input_should_get_a_typed_error_and_change_nothing()
    {
        var client = _cluster.Nodes[1].Client;
        Assert.True((await client.CallAsync(new OpenAccount("bad-1", "Bo"))).IsOk);
        Assert.True((await client.CallAsync(new Deposit("bad-1", 100), new CallOptions { RequestId = "seed-deposit" })).IsOk);
        var before = (await client.CallAsync(new GetBalance("bad-1"))).Value;

        async Task Expect(RpcStatusCode code, Task<RpcResult<AccountBalance>> call, string because)
        {
            var result = await call;
            Assert.True(result.Code == code, $"{because}: expected {code}, got {result}");
            Assert.False(string.IsNullOrWhiteSpace(result.Error!.Message), $"{because}: the error says nothing");
            _output.WriteLine($"{because,-28} -> {result.Error}");
            Assert.Equal(before, (await client.CallAsync(new GetBalance("bad-1"))).Value);
        }

        await Expect(RpcStatusCode.Unimplemented, client.CallAsync(new TestRequests.PostToLedger("bad-1")), "unknown service");
        await Expect(RpcStatusCode.Unimplemented, client.CallAsync(new TestRequests.CloseAccount("bad-1")), "unknown method");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("", 5)), "empty key");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit(null!, 5)), "missing key");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad\n1", 5)), "control char in key");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit(new string('k', 201), 5)), "overlong key");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", -5)), "negative deposit");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", 0)), "zero deposit");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", long.MaxValue)), "absurd deposit");
        await Expect(RpcStatusCode.FailedPrecondition, client.CallAsync(new Withdraw("bad-1", 101)), "overdraft");
        await Expect(RpcStatusCode.AlreadyExists, client.CallAsync(new OpenAccount("bad-1", "Bo")), "open twice");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new OpenAccount("bad-2", "")), "open without owner");
        await Expect(RpcStatusCode.NotFound, client.CallAsync(new GetBalance("never-opened")), "unknown account");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", 5), new CallOptions { RequestId = new string('r', 129) }), "overlong request id");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", 5), new CallOptions { RequestId = " " }), "blank request id");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", 5), new CallOptions { Timeout = TimeSpan.FromSeconds(-1) }), "negative timeout");
        await Expect(RpcStatusCode.DeadlineExceeded, client.CallAsync(new Deposit("bad-1", 5), new CallOptions { Deadline = DateTimeOffset.UnixEpoch }), "deadline in the past");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync(new Deposit("bad-1", 5), new CallOptions { Policy = new CallPolicy { MaxAttempts = 0 } }), "nonsense policy");
        await Expect(RpcStatusCode.InvalidArgument, client.CallAsync<AccountBalance>(null!), "null request");

        // A retry of the earlier deposit is answered from memory, not applied again.
        var retry = await client.CallAsync(new Deposit("bad-1", 100), new CallOptions { RequestId = "seed-deposit" });
        Assert.Equal(before, retry.Value);

        var badQuote = await client.CallAsync(new GetQuote("", -1));
        Assert.Equal(RpcStatusCode.InvalidArgument, badQuote.Code);
        Assert.True((await client.CallAsync(new GetQuote("ACME", 1))).IsOk, "the stateless service still serves");
    }

    [Fact]
    public async Task Every_node_should_see_a_consistent_hash_router_over_all_three()
    {
        foreach (var node in _cluster.Nodes)
        {
            var router = node.Runtime.Directory.Find(QuoteService.ServiceName)!.Target;
            await Eventually.TrueAsync(async () =>
                (await router.Ask<Routees>(GetRoutees.Instance, TimeSpan.FromSeconds(3))).Members.Count() == 3,
                TimeSpan.FromSeconds(30), $"3 routees on {node.Address}");
        }
    }
}
