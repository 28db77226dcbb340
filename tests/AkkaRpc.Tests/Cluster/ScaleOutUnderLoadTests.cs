using System.Diagnostics;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// Scale-out with real processes: a 4th node joins while writers run with the client's default policy. The shard
/// coordinator rebalances shards onto it (proved by ServedBy of calls sent after it came Up), and not one call fails
/// while shards move.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ScaleOutUnderLoadTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public ScaleOutUnderLoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_fourth_node_joining_under_load_should_receive_shards_and_fail_no_call()
    {
        // Ports for 4 planned up front; the 4th starts later. Its seed entry is simply unreachable until then.
        using var cluster = new LocalClusterRunner(4, _folder.Path);
        try
        {
            for (var i = 0; i < 3; i++) cluster.Start(i);
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");
            await using var load = await DepositLoad.StartAsync(client.Client, "so", 40);
            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "load is running on every account");

            var joining = Stopwatch.StartNew();
            var fourth = cluster.Start(3);
            Assert.True(await client.WaitForMembersAsync(4, TimeSpan.FromSeconds(90)), "the 4th node is Up");
            var up = joining.Elapsed;
            var upAt = load.Clock.Elapsed;
            await Eventually.TrueAsync(() => load.Served(fourth.Address(), upAt), TimeSpan.FromSeconds(90), "the 4th node serves calls");
            var serving = joining.Elapsed;
            _output.WriteLine($"{fourth.Name}: Up {up.TotalSeconds:0.0} s after start, first call served {serving.TotalSeconds:0.0} s after start");

            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "every account written again after the join");
            await load.StopAsync();

            var line = $"[scale-out under load] {load.Calls} calls, {load.Failures.Count} failed, {load.TotalAcknowledged} acknowledged, {load.Retried} needed a retry";
            _output.WriteLine(line);
            Console.WriteLine(line);
            Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} of {load.Calls} calls failed, e.g. {string.Join(" | ", load.Failures.Take(5))}");
            var mismatches = await load.ReadBackMismatchesAsync(client.Client);
            Assert.True(mismatches.Count == 0, $"read-back differs from the acknowledged deposits: {string.Join(" | ", mismatches.Take(5))}");
        }
        catch
        {
            _output.WriteLine(cluster.Describe());
            throw;
        }
        finally
        {
            await cluster.StopAllAsync(TimeSpan.FromSeconds(30));
        }
    }

    public void Dispose() => _folder.Dispose();
}
