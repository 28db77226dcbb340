using System.Collections.Concurrent;
using AkkaRpc.LocalCluster;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// The resilience promise with real processes: with the default policy, writers keep writing while a node is killed
/// with kill -9; every call succeeds, and the read-back shows each acknowledged write exactly once. The deadline is
/// 15 s, not the default 10 s: a kill -9 costs 8-9 s of outage on this machine today (docs/architecture.md), so a
/// call sent at the moment of the kill needs more than 10 s. Bringing the outage under the default deadline is the
/// failover work (issue 5).
/// </summary>
[Collection(ClusterCollection.Name)]
public class FailoverUnderLoadTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public FailoverUnderLoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task With_the_default_policy_and_a_15s_deadline_every_write_should_succeed_across_a_kill_and_apply_once()
    {
        using var cluster = new LocalClusterRunner(3, _folder.Path);
        try
        {
            cluster.StartAll();
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");

            var accounts = Enumerable.Range(0, 30).Select(i => $"fl-{i}").ToArray();
            var hosts = new ConcurrentDictionary<string, string>();
            foreach (var account in accounts)
            {
                var opened = await client.Client.CallAsync(new OpenAccount(account, "Ann"));
                Assert.True(opened.IsOk, opened.ToString());
                hosts[account] = opened.ServedBy!;
            }

            var acknowledged = new ConcurrentDictionary<string, int>();
            var failures = new ConcurrentQueue<string>();
            var calls = 0;
            using var stop = new CancellationTokenSource();
            var writers = accounts.Select(account => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var result = await client.Client.CallAsync(new Deposit(account, 1), Within15Seconds);
                    Interlocked.Increment(ref calls);
                    if (result.IsOk) acknowledged.AddOrUpdate(account, 1, (_, n) => n + 1);
                    else failures.Enqueue($"{account}: {result.Error}");
                }
            })).ToArray();

            await Eventually.TrueAsync(() => Volatile.Read(ref calls) > 300, TimeSpan.FromSeconds(30), "load is running");
            var victimAddress = hosts.Values.GroupBy(h => h).OrderByDescending(g => g.Count()).First().Key;
            var victim = cluster.Nodes[cluster.IndexOf(victimAddress)!.Value]!;
            victim.Kill();
            var callsAtKill = Volatile.Read(ref calls);
            _output.WriteLine($"kill -9 {victim.Name} (host of {hosts.Values.Count(h => h == victimAddress)} of {accounts.Length} accounts) after {callsAtKill} calls");

            // Keep writing until every account has been written again after the kill, then a little longer.
            var afterKill = accounts.ToDictionary(a => a, a => acknowledged.GetValueOrDefault(a));
            await Eventually.TrueAsync(() => accounts.All(a => acknowledged.GetValueOrDefault(a) > afterKill[a]),
                TimeSpan.FromSeconds(60), "every account written again after the kill");
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            _output.WriteLine($"{calls} calls, {failures.Count} failed");
            Assert.True(failures.IsEmpty, $"{failures.Count} of {calls} calls failed, e.g. {string.Join(" | ", failures.Take(3))}");

            foreach (var account in accounts)
            {
                var read = await client.Client.CallAsync(new GetBalance(account));
                Assert.True(read.IsOk, read.ToString());
                Assert.Equal(acknowledged.GetValueOrDefault(account), read.Value.Transactions); // none lost, none twice
            }
        }
        catch
        {
            foreach (var node in cluster.Nodes.Where(n => n is not null))
                _output.WriteLine($"--- {node!.Name} log: {node.LogPath}");
            throw;
        }
        finally
        {
            await cluster.StopAllAsync(TimeSpan.FromSeconds(15));
        }
    }

    private static readonly CallOptions Within15Seconds = new() { Timeout = TimeSpan.FromSeconds(15) };

    public void Dispose() => _folder.Dispose();
}
