using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// The resilience promise with real processes: with the default policy, writers keep writing while a node is killed
/// with kill -9; every call succeeds within the default 10 s deadline, and the read-back shows each acknowledged
/// write exactly once. The default deadline is enough because the survivors down the dead process at once
/// (dead-process detection) and the client retries attempts lost with it when it is removed (docs/failover.md).
/// </summary>
[Collection(ClusterCollection.Name)]
public class FailoverUnderLoadTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public FailoverUnderLoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task With_the_default_policy_every_write_should_succeed_across_a_kill_and_apply_once()
    {
        using var cluster = new LocalClusterRunner(3, _folder.Path);
        try
        {
            cluster.StartAll();
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");
            await using var load = await DepositLoad.StartAsync(client.Client, "fl", 30);
            await load.WaitForProgressAsync(5, TimeSpan.FromSeconds(60), "load is running on every account");

            // Any node would do (each hosts about a third of the accounts); the chaos harness also kills the oldest.
            var victim = cluster.Nodes[2]!;
            victim.Kill();
            _output.WriteLine($"kill -9 {victim.Name} after {load.Calls} calls");

            // Keep writing until every account has been written again after the kill, then stop.
            await load.WaitForProgressAsync(1, TimeSpan.FromSeconds(60), "every account written again after the kill");
            await load.StopAsync();

            _output.WriteLine($"{load.Calls} calls, {load.Failures.Count} failed, {load.Retried} needed a retry");
            Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} of {load.Calls} calls failed, e.g. {string.Join(" | ", load.Failures.Take(3))}");
            var mismatches = await load.ReadBackMismatchesAsync(client.Client);
            Assert.True(mismatches.Count == 0, "none lost, none twice: " + string.Join(" | ", mismatches.Take(5)));
        }
        catch
        {
            _output.WriteLine(cluster.Describe());
            throw;
        }
        finally
        {
            await cluster.StopAllAsync(TimeSpan.FromSeconds(15));
        }
    }

    public void Dispose() => _folder.Dispose();
}
