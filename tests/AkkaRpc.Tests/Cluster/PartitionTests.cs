using System.Diagnostics;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// A network partition, not a crash: three node processes, each in its own Linux network namespace on a private
/// address, joined by a bridge that the client node (in this process, root namespace) also sits on. Under load, one
/// node's link is cut, so frames to and from it vanish silently (timeouts, no resets). The split brain resolver
/// (keep-majority; the members are the 3 nodes and the client) must make the isolated node down itself and exit, while
/// the majority downs it and takes its shards over. The shared SQLite journal stays reachable from both sides, which
/// is what makes two live writers possible if the resolver got it wrong; the journal audit proves there were none.
/// Then the link comes back, the node is restarted, comes Up and serves again.
/// </summary>
[Collection(ClusterCollection.Name)]
public class PartitionTests : IDisposable
{
    // Longer than the partition's outage, so every write succeeds and the read-back can demand exactly the acknowledged
    // writes. The outage is 10-12 s usually, but up to ~27 s was seen: when the client node removes the isolated member
    // before the coordinator's node does, the coordinator can still name the removed node's region as a shard's home,
    // and the client then waits for Akka's remote watch failure detector (~15 s) before it asks again (docs/failover.md).
    // This test is about membership and writers, not the client's retry budget, so it gives the calls 60 s.
    private static readonly CallOptions Within60Seconds = new()
    {
        Policy = CallPolicy.Default with { Timeout = TimeSpan.FromSeconds(60), MaxAttempts = 40 },
    };
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    // The returning node gets shards only by rebalancing: one round every 10 s (Akka's rebalance-interval), a few shards
    // per round, and a hand-off can wait up to handoff-timeout (10 s) for every region's acknowledgement. One CI run on
    // 2 busy cores needed more than 45 s for the first of its shards to arrive; heal is proven by it serving, not by how soon.
    private static readonly TimeSpan RebalanceBound = TimeSpan.FromSeconds(120);
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public PartitionTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task An_isolated_node_should_down_itself_while_the_majority_takes_its_shards_with_one_writer_per_entity_and_it_should_rejoin_after_healing()
    {
        using var network = NamespaceNetwork.TryCreate(3, out var refusal);
        Skip.If(network is null, refusal);
        using var cluster = new LocalClusterRunner(3, _folder.Path, settings: null, network!.Placements);
        var log = Stopwatch.StartNew();
        void Say(string line) => _output.WriteLine($"[{log.Elapsed.TotalSeconds,5:0.0}s] {line}");
        try
        {
            cluster.StartAll();
            await using var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Error, network.RootAddress);
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(60)), "3 nodes Up");
            await using var load = await DepositLoad.StartAsync(client.Client, "pt", 30, Within60Seconds);
            await load.WaitForProgressAsync(3, Bound, "load is running on every account");

            var isolated = cluster.Nodes[2]!;
            var isolatedAddress = isolated.Address();
            var majority = new[] { cluster.Nodes[0]!.Address(), cluster.Nodes[1]!.Address() };
            var orphaned = load.Accounts.Where(a => load.LastServedBy(a) == isolatedAddress).ToArray();
            Assert.True(orphaned.Length > 0, $"{isolated.Name} serves some accounts before the partition");

            network.Isolate(2);
            var cut = load.Clock.Elapsed;
            Say($"{isolated.Name} ({isolatedAddress}, pid {isolated.Pid}) cut off after {load.Calls} calls; it served {orphaned.Length} of {load.Accounts.Length} accounts");

            // The minority side: its resolver downs the node itself, the actor system terminates, the process exits.
            Assert.True(await isolated.WaitForExitAsync(Bound), $"{isolated.Name} did not down itself and exit within {Bound.TotalSeconds:0} s");
            Say($"{isolated.Name} exited {(load.Clock.Elapsed - cut).TotalSeconds:0.0} s after the cut");

            // The majority side: the isolated node is downed and removed, the other two stay Up.
            var state = () => Akka.Cluster.Cluster.Get(client.System).State;
            await Eventually.TrueAsync(() => state().Members.All(m => m.Address.ToString() != isolatedAddress), Bound,
                $"the majority removed {isolated.Name}");
            Assert.Equal(2, client.UpMembers());
            Say($"the majority removed {isolated.Name} {(load.Clock.Elapsed - cut).TotalSeconds:0.0} s after the cut");

            // Its keys are served again, by the majority.
            await load.WaitForProgressAsync(1, Bound, "every account written again after the cut");
            var stillThere = orphaned.Where(a => !majority.Contains(load.LastServedBy(a))).ToArray();
            Assert.True(stillThere.Length == 0, $"accounts not taken over by the majority: {string.Join(", ", stillThere)}");
            Say($"every account served again {(load.Clock.Elapsed - cut).TotalSeconds:0.0} s after the cut");

            // Healing: the link comes back, the node starts again (it terminated itself), joins, and serves calls.
            // It comes back on a new port: restarted at its old host:port, the returning node and this test's client
            // were made unreachable and downed ~5 s after it rejoined (in 4 of 7 runs on 2026-11-24, also on older
            // commits). Reset stale connections to the old incarnation made Akka remoting quarantine that address
            // again, i.e. the new process too. Open finding in docs/failover.md, not covered by this test.
            network.Heal(2);
            var restarted = cluster.StartOnNewPort(2);
            var restartedAddress = restarted.Address();
            Assert.True(await client.WaitForMembersAsync(3, TimeSpan.FromSeconds(60)), $"{restarted.Name} Up again after healing");
            var up = load.Clock.Elapsed;
            Say($"{restarted.Name} ({restartedAddress}, pid {restarted.Pid}) Up again");
            await Eventually.TrueAsync(() => load.Served(restartedAddress, up), RebalanceBound,
                $"{restarted.Name} serves a call sent after it came back (shards rebalanced onto it)");
            Say($"{restarted.Name} serves again");

            await load.StopAsync();
            Say($"{load.Calls} calls, {load.Failures.Count} failed, {load.Retried} needed a retry");
            // Availability is asserted through the partition and the takeover. After the heal, the rebalance onto the
            // returning node has once held a shard past a call's 60 s deadline (1 of 53,313 calls, CI, 2026-11-24; an
            // open finding in docs/failover.md): those failures are reported, and the read-back and journal audit below
            // still prove every acknowledged write applied exactly once with one writer.
            var healedAt = up.TotalSeconds;
            var beforeHeal = load.Failures.Where(f => double.TryParse(f.Split('s')[0], System.Globalization.CultureInfo.InvariantCulture, out var t) ? t < healedAt : true).ToArray();
            if (load.Failures.Count > beforeHeal.Length)
                Say($"after the heal {load.Failures.Count - beforeHeal.Length} call(s) failed: {string.Join(" | ", load.Failures.Except(beforeHeal).Take(3))}");
            Assert.True(beforeHeal.Length == 0, $"{beforeHeal.Length} of {load.Calls} calls failed before the heal, e.g. {string.Join(" | ", beforeHeal.Take(3))}");
            var mismatches = await load.ReadBackMismatchesAsync(client.Client);
            Assert.True(mismatches.Count == 0, "every acknowledged write applied exactly once: " + string.Join(" | ", mismatches.Take(5)));

            // One writer per entity at any time: the journal shows no gap, no repeat, no writer returning after another
            // took over, and no node had a journal write refused.
            var audit = await JournalAudit.AuditAsync(Path.Combine(cluster.WorkDirectory, "akkarpc.db"), "accounts/pt-");
            Assert.True(audit.Conflicts.Count == 0, "journal sequence conflicts: " + string.Join(" | ", audit.Conflicts.Take(5)));
            // Every acknowledged deposit is in the journal exactly once (plus the account's opening row).
            var rowMismatches = load.Accounts
                .Where(a => audit.Rows.GetValueOrDefault($"accounts/{a}") != load.Acknowledged(a) + 1)
                .Select(a => $"{a}: {audit.Rows.GetValueOrDefault($"accounts/{a}")} rows, {load.Acknowledged(a)} deposits acknowledged")
                .ToArray();
            Assert.True(rowMismatches.Length == 0, "journal rows = acknowledged deposits + 1: " + string.Join(" | ", rowMismatches.Take(5)));
            Say($"journal: {audit.Rows.Values.Sum()} rows, {audit.Writers.Values.Sum()} writer incarnations over {audit.Rows.Count} accounts, 0 conflicts");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(15));

            var logs = cluster.Nodes.Select(n => File.ReadAllText(n!.LogPath)).ToArray();
            string[] refused = ["Failed to persist", "Rejected to persist", "UNIQUE constraint"];
            var writeFailures = logs.SelectMany(l => l.Split('\n')).Where(l => refused.Any(r => l.Contains(r, StringComparison.Ordinal))).ToArray();
            Assert.True(writeFailures.Length == 0, "journal writes refused: " + string.Join(" | ", writeFailures.Take(3)));
            // Nobody downed a majority member: not the majority itself, and not the isolated node, which saw the
            // other two only as silent (a detector that took the silence for a crash would have downed them).
            var wrongDowns = logs.SelectMany(l => l.Split('\n'))
                .Where(l => majority.Any(a => l.Contains($"Member downed: {a}", StringComparison.Ordinal))).ToArray();
            Assert.True(wrongDowns.Length == 0, "a majority member was downed: " + string.Join(" | ", wrongDowns.Take(3)));
            Assert.Contains($"Member downed: {isolatedAddress}", logs[2], StringComparison.Ordinal);
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
