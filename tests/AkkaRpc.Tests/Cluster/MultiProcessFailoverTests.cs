using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AkkaRpc.Client;
using AkkaRpc.LocalCluster;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>Real node processes on one shared journal (a SQLite file or a PostgreSQL database); a node is killed with
/// kill -9.</summary>
[Collection(ClusterCollection.Name)]
public class MultiProcessFailoverTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public MultiProcessFailoverTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Calls_to_a_killed_nodes_entities_should_succeed_again_with_their_state_intact(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var cluster = new LocalClusterRunner(3, _folder.Path, database.NodeSettings);
        try
        {
            cluster.StartAll();
            var policy = new CallPolicy { Timeout = TimeSpan.FromSeconds(20), AttemptTimeout = TimeSpan.FromSeconds(2), MaxAttempts = 30 };
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy, LogLevel.Error);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(90)), "3 nodes Up");

            // 45 accounts, each with 3 acknowledged deposits of a known size.
            var hosts = new ConcurrentDictionary<string, string>();
            var accounts = Enumerable.Range(0, 45).Select(i => $"mp-{i}").ToArray();
            await Parallel.ForEachAsync(accounts, async (account, _) =>
            {
                Assert.True((await client.Client.CallAsync(new OpenAccount(account, "Ann"))).IsOk);
                for (var d = 1; d <= 3; d++)
                {
                    var deposit = await client.Client.CallAsync(new Deposit(account, d * 10));
                    Assert.True(deposit.IsOk, deposit.ToString());
                    hosts[account] = deposit.ServedBy!;
                }
            });

            // The victim: the node that hosts the most accounts.
            var victimAddress = hosts.Values.GroupBy(h => h).OrderByDescending(g => g.Count()).First().Key;
            var victimIndex = cluster.IndexOf(victimAddress) ?? throw new InvalidOperationException($"unknown host {victimAddress}");
            var orphaned = hosts.Where(h => h.Value == victimAddress).Select(h => h.Key).ToArray();
            var victim = cluster.Nodes[victimIndex]!;
            _output.WriteLine($"kill -9 {victim.Name} (pid {victim.Pid}), host of {orphaned.Length} of {accounts.Length} accounts");

            // The client node is a member too and runs the same dead-process check: whichever member confirms the
            // refusal first downs the victim, and the others then find it Down already. Its count is read here.
            long clientDowns = 0;
            using var listener = new MeterListener();
            var clientMeter = AkkaRpcRuntime.Get(client.System).Metrics.Meter;
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == clientMeter && instrument.Name == "akkarpc.cluster.dead_process_downs") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref clientDowns, value));
            listener.Start();

            var outage = Stopwatch.StartNew();
            victim.Kill();
            Assert.False(victim.IsRunning);

            // Every orphaned account answers again, from a survivor, with its full balance.
            var servedAgain = new ConcurrentDictionary<string, TimeSpan>();
            await Parallel.ForEachAsync(orphaned, async (account, _) =>
            {
                var read = await client.Client.CallAsync(new GetBalance(account), new CallOptions { Timeout = TimeSpan.FromSeconds(60) });
                Assert.True(read.IsOk, $"{account}: {read}");
                Assert.NotEqual(victimAddress, read.ServedBy);
                Assert.Equal(new AccountBalance(account, 60, 3), read.Value);
                servedAgain[account] = outage.Elapsed;
            });
            var first = servedAgain.Values.Min();
            var last = servedAgain.Values.Max();
            var line = $"outage after kill -9: first orphaned account served again after {first.TotalSeconds:0.0} s, all {orphaned.Length} after {last.TotalSeconds:0.0} s";
            _output.WriteLine(line);
            Console.WriteLine($"[multi-process failover, {backend}] {line}");
            Assert.True(last < TimeSpan.FromSeconds(60), line);

            // And they take writes again, on the survivors.
            foreach (var account in orphaned.Take(5))
            {
                var deposit = await client.Client.CallAsync(new Deposit(account, 1));
                Assert.Equal(new AccountBalance(account, 61, 4), deposit.Value);
            }

            // The other accounts were never disturbed.
            foreach (var account in accounts.Except(orphaned).Take(10))
                Assert.Equal(new AccountBalance(account, 60, 3), (await client.Client.CallAsync(new GetBalance(account))).Value);

            // A survivor counted the failover in its metrics (Prometheus endpoint of its gateway).
            var survivor = Enumerable.Range(0, 3).First(i => i != victimIndex);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var metrics = await http.GetStringAsync(new Uri(cluster.HttpAddress(survivor), "/metrics"));
            var failovers = PrometheusText.Sum(metrics, "akkarpc_cluster_failovers_total");
            Assert.True(failovers >= 1, $"akkarpc_cluster_failovers_total on node{survivor + 1} is {failovers}");
            // The kill was recognised as a dead process (port refused), not left to the failure detector and the split
            // brain resolver: some member (a survivor or the client node) downed it on that evidence.
            double survivorDowns = 0;
            foreach (var i in Enumerable.Range(0, 3).Where(i => i != victimIndex))
                survivorDowns += PrometheusText.Sum(await http.GetStringAsync(new Uri(cluster.HttpAddress(i), "/metrics")), "akkarpc_cluster_dead_process_downs_total");
            var byClient = Interlocked.Read(ref clientDowns);
            var downs = $"dead-process downs: survivors {survivorDowns}, client node {byClient}";
            Console.WriteLine($"[multi-process failover, {backend}] {downs}");
            Assert.True(survivorDowns + byClient >= 1, downs);
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
