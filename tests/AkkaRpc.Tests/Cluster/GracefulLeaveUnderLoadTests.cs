using System.Diagnostics;
using Akka.Cluster;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// Graceful leave with real processes: writers keep depositing with the client's DEFAULT policy while nodes receive
/// SIGTERM (one node, then a rolling restart of all three). The promise is stronger than for kill -9: not one call
/// may fail, and the read-back shows every acknowledged deposit exactly once.
/// </summary>
[Collection(ClusterCollection.Name)]
public class GracefulLeaveUnderLoadTests : IDisposable
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public GracefulLeaveUnderLoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_SIGTERM_under_load_should_fail_no_call_and_lose_or_repeat_no_write()
    {
        using var cluster = new LocalClusterRunner(3, _folder.Path);
        try
        {
            cluster.StartAll();
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");
            await using var load = await DepositLoad.StartAsync(client.Client, "gl", 30);
            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "load is running on every account");

            var victim = cluster.Nodes[1]!;
            var signalled = Stopwatch.StartNew();
            victim.Terminate();
            Assert.True(await victim.WaitForExitAsync(ExitGrace), $"{victim.Name} exits within {ExitGrace.TotalSeconds:0} s of SIGTERM");
            _output.WriteLine($"SIGTERM {victim.Name}: exited after {signalled.Elapsed.TotalSeconds:0.0} s, {load.Calls} calls so far");

            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "every account written again after the leave");
            await load.StopAsync();
            await AssertNothingFailedAndReadBackExactAsync(load, client.Client, "SIGTERM");
        }
        catch
        {
            DumpLogs(cluster);
            throw;
        }
        finally
        {
            await cluster.StopAllAsync(ExitGrace);
        }
    }

    [Fact]
    public async Task A_rolling_restart_of_every_node_under_load_should_fail_no_call_and_lose_or_repeat_no_write()
    {
        using var cluster = new LocalClusterRunner(3, _folder.Path);
        try
        {
            cluster.StartAll();
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");
            await using var load = await DepositLoad.StartAsync(client.Client, "rr", 30);
            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "load is running on every account");

            // The oldest node (the sharding coordinator's host) goes first, so the coordinator itself moves too.
            for (var i = 0; i < 3; i++)
            {
                var node = cluster.Nodes[i]!;
                var address = node.Address();
                var oldIncarnation = MemberAt(client, address)?.UniqueAddress;
                var step = Stopwatch.StartNew();
                node.Terminate();
                Assert.True(await node.WaitForExitAsync(ExitGrace), $"{node.Name} exits within {ExitGrace.TotalSeconds:0} s of SIGTERM");
                var exited = step.Elapsed;

                cluster.Start(i);
                await Eventually.TrueAsync(() => MemberAt(client, address) is { Status: MemberStatus.Up } m && !m.UniqueAddress.Equals(oldIncarnation),
                    TimeSpan.FromSeconds(90), $"the restarted {node.Name} is Up");
                var up = step.Elapsed;
                // Serving: shards are rebalanced onto the new incarnation; a call sent after it came Up is answered by it.
                var upAt = load.Clock.Elapsed;
                await Eventually.TrueAsync(() => load.Served(address, upAt), TimeSpan.FromSeconds(90), $"the restarted {node.Name} serves calls");
                _output.WriteLine($"{node.Name}: exited {exited.TotalSeconds:0.0} s after SIGTERM, Up again at {up.TotalSeconds:0.0} s, " +
                                  $"serving at {step.Elapsed.TotalSeconds:0.0} s; {load.Calls} calls, {load.Failures.Count} failed so far");
            }

            await load.WaitForProgressAsync(3, TimeSpan.FromSeconds(60), "every account written again after the rolling restart");
            await load.StopAsync();
            await AssertNothingFailedAndReadBackExactAsync(load, client.Client, "rolling restart");
        }
        catch
        {
            DumpLogs(cluster);
            throw;
        }
        finally
        {
            await cluster.StopAllAsync(ExitGrace);
        }
    }

    private async Task AssertNothingFailedAndReadBackExactAsync(DepositLoad load, IRpcClient client, string what)
    {
        var line = $"[{what} under load] {load.Calls} calls, {load.Failures.Count} failed, {load.TotalAcknowledged} acknowledged, {load.Retried} needed a retry";
        _output.WriteLine(line);
        Console.WriteLine(line);
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} of {load.Calls} calls failed, e.g. {string.Join(" | ", load.Failures.Take(5))}");
        var mismatches = await load.ReadBackMismatchesAsync(client);
        Assert.True(mismatches.Count == 0, $"read-back differs from the acknowledged deposits: {string.Join(" | ", mismatches.Take(5))}");
    }

    private static Member? MemberAt(ClientNode client, string address) =>
        Akka.Cluster.Cluster.Get(client.System).State.Members.FirstOrDefault(m => m.Address.ToString() == address);

    private void DumpLogs(LocalClusterRunner cluster) => _output.WriteLine(cluster.Describe());

    public void Dispose() => _folder.Dispose();
}
