using System.Collections.Concurrent;
using System.Diagnostics;
using AkkaRpc.LocalCluster;
using AkkaRpc.Sample.Accounts;

namespace AkkaRpc.Demo;

/// <summary>
/// The demo: start 3 nodes on one SQLite file, open accounts from an embedded client node, deposit under load,
/// kill -9 the node that hosts the first account mid-run, keep calling, stop everything, restart the cluster and read
/// every account back. Exit code 0 only if nothing acknowledged was lost and nothing was applied twice.
/// </summary>
internal sealed class DemoRun
{
    // Long enough to ride out a failover (~10-15 s with the default membership settings): calls wait and retry
    // instead of failing, which is what a caller of a resilient service wants.
    private static readonly CallPolicy Policy = new()
    {
        Timeout = TimeSpan.FromSeconds(30),
        AttemptTimeout = TimeSpan.FromSeconds(2),
        MaxAttempts = 40,
        BackoffBase = TimeSpan.FromMilliseconds(50),
        BackoffCap = TimeSpan.FromSeconds(1),
    };

    private readonly DemoSettings _settings;
    private readonly Stopwatch _clock = new();

    public DemoRun(DemoSettings settings) => _settings = settings;

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _clock.Start();
        using var cluster = new LocalClusterRunner(_settings.Nodes, _settings.WorkDirectory);
        Say($"work dir {cluster.WorkDirectory} (node logs, SQLite journal akkarpc.db)");
        try
        {
            var ledger = new Ledger();
            var accounts = Enumerable.Range(0, _settings.Accounts).Select(i => $"acct-{i:D4}").ToArray();

            cluster.StartAll();
            Say($"started {_settings.Nodes} nodes on ports {string.Join(", ", cluster.Ports)}, pids {string.Join(", ", cluster.Nodes.Select(n => n!.Pid))}");
            await using (var client = await ClientNode.StartAsync(cluster.Seeds, Policy, Microsoft.Extensions.Logging.LogLevel.Error))
            {
                if (!await client.WaitForMembersAsync(_settings.Nodes, TimeSpan.FromSeconds(90)))
                    return Fail("the cluster did not come up within 90 s; see the node logs");
                Say($"client node joined; {client.UpMembers()} nodes Up");
                await WarmUpAsync(client.Client, cancel);

                var hosts = new ConcurrentDictionary<string, string>();
                await OpenAccountsAsync(client.Client, accounts, hosts, cancel);
                Say($"opened {accounts.Length} accounts: {Spread(cluster, hosts)}");

                await LoadWithKillAsync(cluster, client.Client, accounts, ledger, hosts, cancel);
            }

            Say("stopping every node (SIGTERM)");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(30));
            Say("all nodes stopped; restarting the whole cluster on the same SQLite file");

            cluster.StartAll();
            await using (var client = await ClientNode.StartAsync(cluster.Seeds, Policy, Microsoft.Extensions.Logging.LogLevel.Error))
            {
                if (!await client.WaitForMembersAsync(_settings.Nodes, TimeSpan.FromSeconds(90)))
                    return Fail("the restarted cluster did not come up within 90 s");
                var restart = Stopwatch.StartNew();
                var (recovered, lost, duplicated, unreadable) = await ReadBackAsync(client.Client, accounts, ledger, cancel);
                Say($"read back {accounts.Length} accounts in {restart.Elapsed.TotalSeconds:0.0} s ({unreadable} unreadable)");
                await cluster.StopAllAsync(TimeSpan.FromSeconds(30));
                Say("stopped every node");

                Console.WriteLine($"demo: acknowledged={ledger.TotalAcknowledged} recovered={recovered} lost={lost} duplicated={duplicated}");
                return lost == 0 && duplicated == 0 && unreadable == 0 ? 0 : 1;
            }
        }
        catch (OperationCanceledException)
        {
            return Fail("interrupted");
        }
        catch (Exception e)
        {
            return Fail(e.ToString());
        }
        // LocalClusterRunner.Dispose kills whatever still runs, on every path out of here.
    }

    /// <summary>
    /// Waits until a call makes the whole trip (client, coordinator, region, entity, journal): the first calls of a cold
    /// cluster pay for JIT, shard allocation and journal start-up, which is not what the timeline is about.
    /// </summary>
    private async Task WarmUpAsync(IRpcClient client, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var probe = await client.CallAsync(new GetBalance("warm-up-probe"), cancellationToken: cancel);
            if (probe.Code == RpcStatusCode.NotFound)
            {
                Say($"cluster serving (first full round trip after {clock.Elapsed.TotalSeconds:0.0} s)");
                return;
            }
        }
        throw new InvalidOperationException("no call made the full trip within 60 s");
    }

    private async Task OpenAccountsAsync(IRpcClient client, string[] accounts, ConcurrentDictionary<string, string> hosts, CancellationToken cancel)
    {
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = _settings.Callers, CancellationToken = cancel },
            async (account, token) =>
            {
                // The idempotency key is derived from the account: re-running this step can never open twice.
                var result = await client.CallAsync(new OpenAccount(account, "demo"), new CallOptions { RequestId = $"open-{account}" }, token);
                if (!result.IsOk && result.Code != RpcStatusCode.AlreadyExists)
                    throw new InvalidOperationException($"open {account}: {result.Error}");
                if (result.ServedBy is { } node) hosts[account] = node;
            });
    }

    private async Task LoadWithKillAsync(LocalClusterRunner cluster, IRpcClient client, string[] accounts, Ledger ledger,
        ConcurrentDictionary<string, string> hosts, CancellationToken cancel)
    {
        var perSecond = new ConcurrentDictionary<int, (int Ok, int Failed)>();
        var loadClock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(_settings.LoadDuration);

        // Decide the victim now: the node hosting the first account.
        var victimIndex = cluster.IndexOf(hosts.GetValueOrDefault(accounts[0])) ?? 1;
        var victimAddress = cluster.Nodes[victimIndex]!.Address();
        IReadOnlySet<string> orphaned = new HashSet<string>();
        var killedAt = TimeSpan.MaxValue;
        var firstServedAgain = new ConcurrentDictionary<string, TimeSpan>();

        // One sequential writer per account: a writer whose account lives on the killed node waits out the failover
        // while the writers of every other account carry on.
        var loops = accounts.Select(account => Task.Run(async () =>
        {
            var entry = ledger.For(account);
            while (!stop.IsCancellationRequested)
            {
                var startedAt = loadClock.Elapsed;
                var result = await client.CallAsync(new Deposit(account, 1), cancellationToken: CancellationToken.None);
                var second = (int)loadClock.Elapsed.TotalSeconds;
                if (result.IsOk)
                {
                    Interlocked.Increment(ref entry.Acknowledged);
                    hosts[account] = result.ServedBy!;
                    // Only a call sent after the kill proves a survivor serves the account.
                    if (startedAt > killedAt && orphaned.Contains(account))
                        firstServedAgain.TryAdd(account, loadClock.Elapsed - killedAt);
                }
                else if (result.Code is RpcStatusCode.DeadlineExceeded or RpcStatusCode.Unavailable or RpcStatusCode.Cancelled)
                    Interlocked.Increment(ref entry.Ambiguous);
                else
                    Interlocked.Increment(ref entry.Rejected);
                perSecond.AddOrUpdate(second, _ => result.IsOk ? (1, 0) : (0, 1),
                    (_, c) => result.IsOk ? (c.Ok + 1, c.Failed) : (c.Ok, c.Failed + 1));
            }
        })).ToList();

        var reported = 0;
        var killed = false;
        while (!stop.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); }
            catch (OperationCanceledException) { break; }
            for (; reported < (int)loadClock.Elapsed.TotalSeconds; reported++)
            {
                var c = perSecond.GetValueOrDefault(reported);
                Say($"  load second {reported,2}: {c.Ok,5} deposits ok, {c.Failed} failed{(killed && reported * 1.0 >= killedAt.TotalSeconds - 1 && firstServedAgain.Count < orphaned.Count ? $" ({orphaned.Count - firstServedAgain.Count} accounts of the killed node waiting)" : "")}");
            }
            if (!killed && loadClock.Elapsed >= _settings.KillAfter)
            {
                killed = true;
                orphaned = hosts.Where(h => h.Value == victimAddress).Select(h => h.Key).ToHashSet();
                var victim = cluster.Nodes[victimIndex]!;
                killedAt = loadClock.Elapsed;
                victim.Kill();
                Say($"kill -9 {victim.Name} (pid {victim.Pid}), host of {orphaned.Count} of {accounts.Length} accounts; calls continue");
            }
        }
        await Task.WhenAll(loops);

        Say($"load done: {ledger.TotalAcknowledged} deposits acknowledged, {ledger.TotalAmbiguous} ambiguous, {ledger.TotalRejected} rejected");
        if (killed && firstServedAgain.Count > 0)
            Say($"the killed node's accounts were served again by survivors {firstServedAgain.Values.Min().TotalSeconds:0.0} s after the kill " +
                $"(all {firstServedAgain.Count} of {orphaned.Count} seen again by {firstServedAgain.Values.Max().TotalSeconds:0.0} s)");
        else if (killed)
            Say("the killed node's accounts were not served again before the load ended");
    }

    private async Task<(long Recovered, long Lost, long Duplicated, int Unreadable)> ReadBackAsync(
        IRpcClient client, string[] accounts, Ledger ledger, CancellationToken cancel)
    {
        long recovered = 0, lost = 0, duplicated = 0;
        var unreadable = 0;
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = _settings.Callers, CancellationToken = cancel },
            async (account, token) =>
            {
                var entry = ledger.For(account);
                var result = await client.CallAsync(new GetBalance(account), cancellationToken: token);
                if (!result.IsOk)
                {
                    Interlocked.Increment(ref unreadable);
                    Say($"  {account}: unreadable after restart: {result.Error}");
                    return;
                }
                // Every deposit is 1, so the balance and the transaction count both equal the deposits applied.
                var applied = result.Value.Transactions;
                var acked = Interlocked.Read(ref entry.Acknowledged);
                var ambiguous = Interlocked.Read(ref entry.Ambiguous);
                if (result.Value.Balance != applied)
                    Say($"  {account}: balance {result.Value.Balance} != transactions {applied}");
                Interlocked.Add(ref recovered, Math.Min(acked, applied));
                Interlocked.Add(ref lost, Math.Max(0, acked - applied));
                Interlocked.Add(ref duplicated, Math.Max(0, applied - acked - ambiguous));
            });
        return (recovered, lost, duplicated, unreadable);
    }

    private static string Spread(LocalClusterRunner cluster, ConcurrentDictionary<string, string> hosts) =>
        string.Join(", ", hosts.Values.GroupBy(a => cluster.IndexOf(a)).OrderBy(g => g.Key)
            .Select(g => $"node{g.Key + 1}: {g.Count()}"));

    private void Say(string line) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}");

    private int Fail(string why)
    {
        Say($"FAILED: {why}");
        return 2;
    }
}
