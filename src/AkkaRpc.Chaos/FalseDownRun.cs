using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AkkaRpc.LocalCluster;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Chaos;

/// <summary>
/// The false-down run (issue 5: "0 false downs in a 10-minute run at full CPU load"): 3 node processes on one SQLite
/// journal, the chaos workload at full speed (one call loop per account) and CPU burner threads, so both cores stay
/// saturated; no node is ever killed. Every member that is downed is therefore a false down, and every unreachable
/// event a near miss. Both are read from the nodes' membership logs (MembershipLogger, which also feeds
/// <c>akkarpc_cluster_failovers_total</c> / <c>akkarpc_cluster_unreachable_total</c>), so a node that was downed and
/// exited still reports.
/// </summary>
internal sealed partial class FalseDownRun(ChaosSettings settings)
{
    private static readonly TimeSpan UpBound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(30);
    private readonly Stopwatch _clock = new();

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _clock.Start();
        var runId = settings.Seed.ToString("x8", CultureInfo.InvariantCulture);
        using var cluster = new LocalClusterRunner(settings.Nodes, settings.WorkDirectory);
        Say($"work dir {cluster.WorkDirectory} (node logs, SQLite journal)");
        try
        {
            cluster.StartAll();
            var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Critical).ConfigureAwait(false);
            Workload workload;
            int upAtEnd;
            try
            {
                if (!await client.WaitForMembersAsync(settings.Nodes, UpBound).ConfigureAwait(false))
                    return Broken($"the cluster did not come up within {UpBound.TotalSeconds:0} s");
                (workload, upAtEnd) = await LoadAsync(cluster, client, runId, cancel).ConfigureAwait(false);
            }
            finally
            {
                // Stopped before the summary, so the client's shutdown logging never follows the last line.
                await client.DisposeAsync().ConfigureAwait(false);
            }

            await ReportMetricsAsync(cluster).ConfigureAwait(false);
            var membership = Membership(cluster);
            foreach (var line in membership.Unreachable.Concat(membership.Downed).Take(40)) Say($"  {line}");
            foreach (var problem in workload.Problems.Take(10)) Say($"  {problem}");
            var downed = membership.Downed.Select(l => AddressIn(l)).Distinct(StringComparer.Ordinal).Count();
            var exited = cluster.Nodes.Count(n => !n!.IsRunning);
            Say($"at the end: {upAtEnd} of {settings.Nodes} nodes Up in the client's view, {exited} node process(es) exited");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"false-downs: duration_s={settings.Seconds} members_downed={downed} unreachable_events={membership.Unreachable.Count} " +
                $"calls={Calls(workload)} errors={Errors(workload)}"));
            return downed == 0 && exited == 0 && upAtEnd == settings.Nodes ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            return Broken("interrupted");
        }
        catch (Exception e)
        {
            return Broken(e.ToString());
        }
        // LocalClusterRunner.Dispose kills whatever still runs, on every path out of here.
    }

    /// <summary>Opens the accounts and runs the call loops and the burners for the run's duration; returns the load and how many nodes were Up at its end.</summary>
    private async Task<(Workload Workload, int UpAtEnd)> LoadAsync(LocalClusterRunner cluster, ClientNode client, string runId, CancellationToken cancel)
    {
        var accounts = Enumerable.Range(0, settings.Accounts).Select(i => $"fd-{runId}-{i:D3}").ToArray();
        await ChaosRun.OpenAsync(client.Client, accounts, cancel).ConfigureAwait(false);
        Say($"{settings.Nodes} nodes Up, {accounts.Length} accounts open; {accounts.Length} call loops and {settings.Burners} CPU burner threads for {settings.Seconds} s");

        var load = Stopwatch.StartNew();
        var workload = new Workload(client.Client, runId, accounts, load);
        workload.Start(settings.Seed);
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        using (new CpuBurner(settings.Burners))
        {
            for (var next = ReportEvery; ; next += ReportEvery)
            {
                var until = next < duration ? next : duration;
                if (until > load.Elapsed) await Task.Delay(until - load.Elapsed, cancel).ConfigureAwait(false);
                var seen = Membership(cluster);
                Say($"{load.Elapsed.TotalSeconds:0} s: {Calls(workload)} calls, {Errors(workload)} errors; " +
                    $"unreachable events {seen.Unreachable.Count}, members downed {seen.Downed.Count}, nodes running {cluster.Nodes.Count(n => n!.IsRunning)}");
                if (until >= duration) break;
            }
        }
        await workload.StopAsync().ConfigureAwait(false);
        return (workload, client.UpMembers());
    }

    /// <summary>Every "Member unreachable" and "Member downed" line the nodes logged so far, prefixed with the observer.</summary>
    private static (List<string> Unreachable, List<string> Downed) Membership(LocalClusterRunner cluster)
    {
        var unreachable = new List<string>();
        var downed = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            // The log is appended to while the node runs: open it shared.
            using var stream = new FileStream(node!.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains("Member unreachable: ", StringComparison.Ordinal)) unreachable.Add($"{node.Name}: {Trim(line)}");
                else if (line.Contains("Member downed: ", StringComparison.Ordinal)) downed.Add($"{node.Name}: {Trim(line)}");
            }
        }
        return (unreachable, downed);

        // Node log lines carry the time first and the message last; the Akka preamble between them is noise here.
        static string Trim(string line) => line.Length > 12 ? $"{line[..12]} {line[(line.LastIndexOf("Member ", StringComparison.Ordinal))..]}" : line;
    }

    private static string AddressIn(string line) => AddressPattern().Match(line) is { Success: true } m ? m.Value : line;

    [GeneratedRegex(@"akka\.tcp://\S+")]
    private static partial Regex AddressPattern();

    /// <summary>Prints each running node's membership counters from its Prometheus endpoint (a cross-check of the logs).</summary>
    private async Task ReportMetricsAsync(LocalClusterRunner cluster)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < settings.Nodes; i++)
        {
            if (!cluster.Nodes[i]!.IsRunning) continue;
            try
            {
                var text = await http.GetStringAsync(new Uri(cluster.HttpAddress(i), "/metrics")).ConfigureAwait(false);
                Say($"node{i + 1} /metrics: akkarpc_cluster_unreachable_total={Sum(text, "akkarpc_cluster_unreachable_total")} " +
                    $"akkarpc_cluster_failovers_total={Sum(text, "akkarpc_cluster_failovers_total")}");
            }
            catch (HttpRequestException e)
            {
                Say($"node{i + 1} /metrics unreadable: {e.Message}");
            }
            catch (TaskCanceledException)
            {
                Say($"node{i + 1} /metrics: no answer within 10 s");
            }
        }

        static double Sum(string metrics, string name) => metrics.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static long Calls(Workload workload) =>
        workload.Histories.Sum(h => h.AcknowledgedCount + h.AmbiguousAmounts.Count + h.FailedCount) + workload.Reads;

    private static long Errors(Workload workload) =>
        workload.Histories.Sum(h => h.AmbiguousAmounts.Count + h.FailedCount) + workload.FailedReads;

    private void Say(string line) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    private int Broken(string why)
    {
        Say($"false-down run FAILED to run: {why}");
        return 2;
    }
}
