using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Routing;
using AkkaRpc.Sample.Quotes;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class ScaleOutRoutingTests : IAsyncLifetime
{
    private readonly ThreeNodeFixture _cluster = new();
    private readonly ITestOutputHelper _output;

    public ScaleOutRoutingTests(ITestOutputHelper output) => _output = output;

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_fourth_node_should_take_about_a_quarter_of_the_keys_and_move_no_others()
    {
        const int keys = 10_000;
        var caller = _cluster.Nodes[0];
        var symbols = Enumerable.Range(0, keys).Select(i => $"K{i}").ToArray();

        var before = await MapAsync(caller, symbols);
        Assert.Equal(3, before.Values.Distinct().Count());

        var fourth = await _cluster.AddNodeAsync();
        var router = caller.Runtime.Directory.Find(QuoteService.ServiceName)!.Target;
        await Eventually.TrueAsync(async () =>
            (await router.Ask<Routees>(GetRoutees.Instance, TimeSpan.FromSeconds(3))).Members.Count() == 4,
            TimeSpan.FromSeconds(30), "the caller's router sees the 4th node");

        var after = await MapAsync(caller, symbols);
        var moved = symbols.Where(s => before[s] != after[s]).ToArray();
        var share = moved.Length / (double)keys;
        _output.WriteLine($"keys moved when a 4th node joined: {moved.Length} of {keys} = {share:P1} (ideal 25%, bound 31.25%; hash mod N would move 75%)");

        Assert.InRange(share, 0.15, 1.25 / 4);
        // Consistent hashing: a key moves only TO the new node, never between old ones.
        Assert.All(moved, s => Assert.Equal(fourth.Address, after[s]));
    }

    private static async Task<Dictionary<string, string>> MapAsync(InProcessNode caller, string[] symbols)
    {
        var map = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(symbols, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (symbol, _) =>
        {
            var quote = await caller.Client.CallAsync(new GetQuote(symbol, 1));
            Assert.True(quote.IsOk, $"{symbol}: {quote}");
            map[symbol] = quote.ServedBy!;
        });
        return new Dictionary<string, string>(map);
    }
}
