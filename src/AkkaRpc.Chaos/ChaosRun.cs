using System.Diagnostics;
using System.Globalization;
using AkkaRpc.LocalCluster;
using AkkaRpc.Sample.Accounts;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Chaos;

/// <summary>
/// One chaos run: 3 node processes on one SQLite journal; accounts opened; the workload runs while the nemesis kills
/// and restarts nodes; then the whole cluster is killed with kill -9 (a crash, not a shutdown), started again, and
/// every account is read back and checked against what the caller knows.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings)
{
    private static readonly TimeSpan UpBound = TimeSpan.FromSeconds(90);
    private readonly Stopwatch _clock = new();

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _clock.Start();
        var random = new Random(settings.Seed);
        var runId = settings.Seed.ToString("x8", CultureInfo.InvariantCulture);
        // The client logs at Critical only: the disassociation errors every kill -9 causes are expected here, and the
        // node logs in the work directory keep everything.
        using var cluster = new LocalClusterRunner(settings.Nodes, settings.WorkDirectory);
        Say($"seed {settings.Seed}; work dir {cluster.WorkDirectory} (node logs, SQLite journal)");
        try
        {
            var accounts = Enumerable.Range(0, settings.Accounts).Select(i => $"chaos-{runId}-{i:D3}").ToArray();
            cluster.StartAll();
            Workload workload;
            List<double> failovers;
            await using (var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, ClientLogLevel()).ConfigureAwait(false))
            {
                if (!await client.WaitForMembersAsync(settings.Nodes, UpBound).ConfigureAwait(false))
                    return Broken($"the cluster did not come up within {UpBound.TotalSeconds:0} s");
                await OpenAsync(client.Client, accounts, cancel).ConfigureAwait(false);
                Say($"{settings.Nodes} nodes Up, {accounts.Length} accounts open; load and faults for {settings.Seconds} s");

                var loadClock = Stopwatch.StartNew();
                workload = new Workload(client.Client, runId, accounts, loadClock);
                workload.Start(settings.Seed);
                var nemesis = new Nemesis(cluster, client, workload, random, Say);
                await nemesis.RunAsync(TimeSpan.FromSeconds(settings.Seconds), cancel).ConfigureAwait(false);
                var rest = TimeSpan.FromSeconds(settings.Seconds) - loadClock.Elapsed;
                if (rest > TimeSpan.Zero) await Task.Delay(rest, cancel).ConfigureAwait(false);
                await workload.StopAsync().ConfigureAwait(false);
                failovers = nemesis.FailoverSeconds;
                foreach (var problem in workload.Problems.Take(20)) Say($"  {problem}");
                Say($"load done: {nemesis.Kills} kills; {Sum(workload, h => h.AcknowledgedCount)} deposits acknowledged, " +
                    $"{Sum(workload, h => h.AmbiguousAmounts.Count)} ambiguous, {Sum(workload, h => h.FailedCount)} failed; " +
                    $"{workload.Reads} reads ({workload.FailedReads} failed)");
            }

            // A crash of the whole cluster: no node gets to leave or flush.
            foreach (var node in cluster.Nodes) node!.Kill();
            Say("kill -9 of every node; restarting the whole cluster on the same journal");
            cluster.StartAll();
            await using (var client = await ClientNode.StartAsync(cluster.Seeds, policy: null, LogLevel.Critical).ConfigureAwait(false))
            {
                if (!await client.WaitForMembersAsync(settings.Nodes, UpBound).ConfigureAwait(false))
                    return Broken($"the restarted cluster did not come up within {UpBound.TotalSeconds:0} s");
                var verdict = await ReadBackAsync(client.Client, workload, cancel).ConfigureAwait(false);
                await cluster.StopAllAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

                var acknowledged = Sum(workload, h => h.AcknowledgedCount);
                var ambiguous = Sum(workload, h => h.AmbiguousAmounts.Count);
                var sorted = failovers.Order().ToArray();
                var p50 = sorted.Length == 0 ? 0 : sorted[(sorted.Length - 1) / 2];
                var max = sorted.Length == 0 ? 0 : sorted[^1];
                if (sorted.Length == 0) Say("no kill orphaned any account: no failover was measured");
                else Say(string.Create(CultureInfo.InvariantCulture,
                    $"failover per kill (kill -9 -> all its accounts served again), s: {string.Join(", ", failovers.Select(f => f.ToString("0.0", CultureInfo.InvariantCulture)))}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"chaos: acknowledged={acknowledged} ambiguous={ambiguous} lost={verdict.Lost} duplicated={verdict.Duplicated} " +
                    $"unexpected={verdict.Unexpected} failover_p50_s={p50:0.0} failover_max_s={max:0.0}"));
                return verdict.Lost == 0 && verdict.Duplicated == 0 && verdict.Unexpected == 0 ? 0 : 1;
            }
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

    /// <summary>Opens every account (idempotently, 8 at a time), with a deadline generous enough for a cold cluster.</summary>
    internal static async Task OpenAsync(IRpcClient client, string[] accounts, CancellationToken cancel)
    {
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancel }, async (account, token) =>
        {
            // The first calls of a cold cluster pay for JIT and shard allocation: a generous deadline, idempotent key.
            var opened = await client.CallAsync(new OpenAccount(account, "chaos"),
                new CallOptions { RequestId = $"open-{account}", Timeout = TimeSpan.FromSeconds(60) }, token).ConfigureAwait(false);
            if (!opened.IsOk && opened.Code != RpcStatusCode.AlreadyExists) throw new InvalidOperationException($"open {account}: {opened.Error}");
        }).ConfigureAwait(false);
    }

    private async Task<(long Lost, long Duplicated, long Unexpected)> ReadBackAsync(IRpcClient client, Workload workload, CancellationToken cancel)
    {
        long lost = 0, duplicated = 0, unexpected = 0;
        var readBack = Stopwatch.StartNew();
        foreach (var history in workload.Histories)
        {
            foreach (var read in history.UnexpectedReads)
            {
                unexpected++;
                Say($"  {history.Account}: unexpected read during the load: {read}");
            }
            var result = await client.CallAsync(new GetBalance(history.Account), new CallOptions { Timeout = TimeSpan.FromSeconds(60) }, cancel)
                .ConfigureAwait(false);
            if (!result.IsOk)
            {
                // Unreadable: nothing acknowledged can be shown to be there, so all of it counts as lost.
                lost += history.AcknowledgedCount;
                Say($"  {history.Account}: unreadable after the restart: {result.Error}");
                continue;
            }
            var verdict = SetChecker.Check(history, result.Value.Transactions, result.Value.Balance);
            lost += verdict.Lost;
            duplicated += verdict.Duplicated;
            if (verdict.Unexpected) unexpected++;
            if (verdict.Lost > 0 || verdict.Duplicated > 0 || verdict.Unexpected)
                Say($"  {history.Account}: {result.Value.Transactions} applied, balance {result.Value.Balance}; acknowledged {history.AcknowledgedCount} " +
                    $"summing {history.AcknowledgedSum}, ambiguous {history.AmbiguousAmounts.Count}, failed {history.FailedCount}");
        }
        Say($"read back {workload.Histories.Count} accounts in {readBack.Elapsed.TotalSeconds:0.0} s");
        return (lost, duplicated, unexpected);
    }

    /// <summary>The embedded client's log level: Critical (the disassociation errors of every kill are expected noise),
    /// or <c>CHAOS_CLIENT_LOG</c> (e.g. Information: the client's dead-process decisions and retried attempts).</summary>
    private static LogLevel ClientLogLevel() =>
        Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("CHAOS_CLIENT_LOG"), out var level) ? level : LogLevel.Critical;

    private static long Sum(Workload workload, Func<AccountHistory, long> count) => workload.Histories.Sum(count);

    private void Say(string line) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    private int Broken(string why)
    {
        Say($"chaos harness FAILED to run: {why}");
        return 2;
    }
}
