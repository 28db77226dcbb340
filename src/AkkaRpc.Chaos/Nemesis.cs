using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Cluster;
using AkkaRpc.Hosting;
using AkkaRpc.LocalCluster;

namespace AkkaRpc.Chaos;

/// <summary>
/// The fault schedule: every few seconds, kill -9 one node (the oldest first — it hosts the shard coordinator — then
/// random ones), measure how long until every key it served is served again by a survivor, restart it, and wait until
/// it is Up again. One node down at a time, so the survivors are always a majority.
/// </summary>
internal sealed class Nemesis(LocalClusterRunner cluster, ClientNode client, Workload workload, Random random, Action<string> say)
{
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RejoinBound = TimeSpan.FromSeconds(90);

    /// <summary>For each kill that orphaned keys: seconds until all of them were served again (FailoverBound if never).</summary>
    public List<double> FailoverSeconds { get; } = [];

    public int Kills { get; private set; }

    public async Task RunAsync(TimeSpan until, CancellationToken cancel)
    {
        while (workload.Clock.Elapsed < until - TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 5000)), cancel).ConfigureAwait(false);
            var victim = Kills == 0 ? OldestIndex() : PickServingNode();
            await KillAndRestartAsync(victim, cancel).ConfigureAwait(false);
        }
    }

    private async Task KillAndRestartAsync(int index, CancellationToken cancel)
    {
        var node = cluster.Nodes[index]!;
        var address = node.Address();
        var oldest = index == OldestIndex();
        var oldIncarnation = MemberAt(address)?.UniqueAddress;
        var orphaned = workload.AccountsServedBy(address).ToHashSet();
        var servedAgain = new ConcurrentDictionary<string, TimeSpan>();
        var servedBy = new ConcurrentDictionary<string, (TimeSpan Started, int Attempts)>();
        var killedAt = workload.Clock.Elapsed;
        // Served again = acknowledged by another node after the kill (a call sent before it and retried counts: the
        // key was being served again at that moment).
        workload.Acknowledged = (account, server, started, at, attempts) =>
        {
            if (at > killedAt && server != address && orphaned.Contains(account) && servedAgain.TryAdd(account, at - killedAt))
                servedBy[account] = (started - killedAt, attempts);
        };
        node.Kill();
        Kills++;
        say($"kill -9 {node.Name}{(oldest ? " (oldest: coordinator)" : "")}, last server of {orphaned.Count} accounts");

        if (orphaned.Count > 0)
        {
            var clock = Stopwatch.StartNew();
            while (servedAgain.Count < orphaned.Count && clock.Elapsed < FailoverBound)
                await Task.Delay(50, cancel).ConfigureAwait(false);
            var seconds = servedAgain.Count == orphaned.Count ? servedAgain.Values.Max().TotalSeconds : FailoverBound.TotalSeconds;
            FailoverSeconds.Add(seconds);
            say(servedAgain.Count == orphaned.Count
                ? $"  {node.Name}'s {orphaned.Count} accounts served again after {seconds:0.0} s (first after {servedAgain.Values.Min().TotalSeconds:0.0} s, " +
                  $"median {Median(servedAgain.Values):0.0} s; the last one's call was sent {Slowest(servedAgain, servedBy)})"
                : $"  only {servedAgain.Count} of {node.Name}'s {orphaned.Count} accounts served again within {FailoverBound.TotalSeconds:0} s");
        }
        workload.Acknowledged = null;

        cluster.Start(index);
        var rejoin = Stopwatch.StartNew();
        while (MemberAt(address) is not { Status: MemberStatus.Up } m || m.UniqueAddress.Equals(oldIncarnation))
        {
            if (rejoin.Elapsed > RejoinBound) throw new TimeoutException($"{node.Name} did not rejoin within {RejoinBound.TotalSeconds:0} s");
            await Task.Delay(100, cancel).ConfigureAwait(false);
        }
        say($"  {node.Name} restarted and Up after {rejoin.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// A random node among those that served accounts lately: a node restarted a moment ago holds no shards yet, and
    /// killing it would measure nothing.
    /// </summary>
    private int PickServingNode()
    {
        var serving = Enumerable.Range(0, cluster.Nodes.Length)
            .Where(i => workload.AccountsServedBy(cluster.Nodes[i]!.Address()).Length > 0).ToArray();
        return serving.Length > 0 ? serving[random.Next(serving.Length)] : random.Next(cluster.Nodes.Length);
    }

    private static double Median(ICollection<TimeSpan> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(sorted.Length - 1) / 2].TotalSeconds;
    }

    // Where the slowest account's time went: when its acknowledged call was sent relative to the kill, and in how many
    // attempts (a first attempt lost with the dead node costs the client its attempt timeout).
    private static string Slowest(ConcurrentDictionary<string, TimeSpan> servedAgain, ConcurrentDictionary<string, (TimeSpan Started, int Attempts)> calls)
    {
        var last = servedAgain.MaxBy(p => p.Value).Key;
        var call = calls[last];
        return $"{call.Started.TotalSeconds:0.0} s after the kill, {call.Attempts} attempt(s)";
    }

    private Member? MemberAt(string address) =>
        Cluster.Get(client.System).State.Members.FirstOrDefault(m => m.Address.ToString() == address);

    private int OldestIndex()
    {
        var oldest = Cluster.Get(client.System).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(AkkaRpcOptions.DefaultServiceRole))
            .Aggregate((Member?)null, (a, m) => a is null || m.IsOlderThan(a) ? m : a);
        return cluster.IndexOf(oldest?.Address.ToString()) ?? 0;
    }
}
