using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AkkaRpc.Backup;
using AkkaRpc.LocalCluster;

namespace AkkaRpc.Demo;

/// <summary>
/// The disaster-recovery drill (scripts/dr-drill.sh): 3 node processes on one SQLite file, deposits through the
/// gateways, online backups under load (the cluster's scheduled backups, or one on-demand <c>akkarpc backup</c>), more
/// load, kill -9 of every node and deletion of the database, <c>akkarpc restore</c> and <c>verify</c>, a cold start,
/// and a read-back of every account. Last line: <c>dr: backup_acknowledged=N restored=N lost_before_backup=0 rpo_s=X rto_s=Y</c>; exit 0 only if nothing
/// acknowledged before the backup point was lost and nothing was applied twice.
/// </summary>
internal sealed class DrillRun
{
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(120);

    private readonly DrillSettings _settings;
    private readonly Stopwatch _clock = new();
    // Wall time of _clock's zero: a scheduled backup's point in time is a wall time in its manifest (same machine clock).
    private DateTimeOffset _wallAtStart;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    public DrillRun(DrillSettings settings) => _settings = settings;

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _wallAtStart = TimeProvider.System.GetUtcNow();
        _clock.Start();
        var cli = CliDll();
        var backups = Path.Combine(_settings.WorkDirectory, "backups");
        var nodeSettings = new Dictionary<string, string>();
        if (_settings.Scheduled)
        {
            nodeSettings["Backup:Enabled"] = "true";
            nodeSettings["Backup:Interval"] = _settings.Interval.ToString("c", CultureInfo.InvariantCulture);
            nodeSettings["Backup:Folder"] = backups;
        }
        using var cluster = new LocalClusterRunner(_settings.Nodes, _settings.WorkDirectory, nodeSettings);
        var database = Path.Combine(cluster.WorkDirectory, "akkarpc.db");
        var connection = $"Data Source={database}";
        Say($"work dir {cluster.WorkDirectory}");
        try
        {
            var accounts = Enumerable.Range(0, _settings.Accounts).Select(i => $"dr-{i:D4}").ToArray();
            var ledger = new DrillLedger(accounts);
            cluster.StartAll();
            await WaitReadyAsync(cluster, cancel);
            Say($"{_settings.Nodes} nodes ready, gateways {string.Join(", ", cluster.HttpPorts)}");
            await ForEachAsync(accounts, (account, i) => CallAsync(cluster, i, "Open", $$"""{"accountId":"{{account}}","owner":"drill"}""", $"{account}-open", cancel), cancel);
            Say($"opened {accounts.Length} accounts");

            using var stopLoad = new CancellationTokenSource();
            var load = LoadAsync(cluster, accounts, ledger, stopLoad.Token, cancel);
            await Task.Delay(_settings.LoadBeforeBackup, cancel);

            int code;
            string output;
            if (!_settings.Scheduled)
            {
                var started = _clock.Elapsed;
                (code, output) = await RunCliAsync(cli, cancel, "backup", "--provider", "Sqlite", "--connection", connection,
                    "--to", Path.Combine(backups, "on-demand"));
                if (code != 0) return Fail($"akkarpc backup exited {code}: {output}");
                Say($"on-demand online backup under load in {(_clock.Elapsed - started).TotalSeconds:0.00} s: {output.Trim().Split('\n')[^1]}");
            }
            await Task.Delay(_settings.LoadAfterBackup, cancel);
            await stopLoad.CancelAsync();
            await load;
            var acknowledged = accounts.Sum(ledger.Count);
            Say($"load stopped: {acknowledged} deposits acknowledged");

            // The disaster: every node dies at once and the database file is gone.
            foreach (var node in cluster.Nodes) node?.Kill();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(database + suffix);
            Say("kill -9 of every node; database deleted");

            // The newest complete backup (a folder without its manifest was cut off by the kill) and its point in time.
            var backup = Directory.Exists(backups)
                ? Directory.GetDirectories(backups).Where(d => File.Exists(Path.Combine(d, BackupManifest.FileName)))
                    .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
                : null;
            if (backup is null) return Fail($"no complete backup in {backups}");
            var manifest = await BackupManifest.ReadAsync(backup);
            var backupStart = manifest.CreatedUtc - _wallAtStart;
            Say($"restoring {Path.GetFileName(backup)}: point in time {backupStart.TotalSeconds:0.0}s on the drill clock, " +
                $"{(_clock.Elapsed - backupStart).TotalSeconds:0.0} s before now, {manifest.Content.JournalRows} journal rows");

            var rto = Stopwatch.StartNew();
            (code, output) = await RunCliAsync(cli, cancel, "restore", "--from", backup, "--provider", "Sqlite", "--connection", connection);
            if (code != 0) return Fail($"akkarpc restore exited {code}: {output}");
            // The runbook's step 3, inside the RTO: the restored database must match the backup before nodes start.
            (code, output) = await RunCliAsync(cli, cancel, "verify", "--provider", "Sqlite", "--connection", connection, "--manifest", backup);
            if (code != 0) return Fail($"akkarpc verify of the restored database exited {code}: {output}");
            var restoreTime = rto.Elapsed;
            cluster.StartAll();
            await WaitReadyAsync(cluster, cancel);
            var readyTime = rto.Elapsed;
            var served = new Dictionary<string, long>();
            await ForEachAsync(accounts, async (account, i) =>
            {
                var body = await CallAsync(cluster, i, "GetBalance", $$"""{"accountId":"{{account}}"}""", null, cancel);
                using var json = JsonDocument.Parse(body);
                lock (served) served[account] = json.RootElement.GetProperty("transactions").GetInt64();
            }, cancel);
            rto.Stop();
            Say($"restore + verify {restoreTime.TotalSeconds:0.00} s, cluster ready {readyTime.TotalSeconds:0.00} s, all {accounts.Length} accounts served {rto.Elapsed.TotalSeconds:0.00} s after restore start");

            var outcome = ledger.Compare(served, backupStart);
            Say($"acknowledged {acknowledged}: before backup start {outcome.BackupAcknowledged}, restored {outcome.Restored}, " +
                $"lost after backup point {outcome.LostAfterBackup}, lost before it {outcome.LostBeforeBackup}, applied twice {outcome.Unexpected}");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(30));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dr: backup_acknowledged={outcome.BackupAcknowledged} restored={outcome.Restored} lost_before_backup={outcome.LostBeforeBackup} rpo_s={outcome.Rpo.TotalSeconds:0.0} rto_s={rto.Elapsed.TotalSeconds:0.0}"));
            return outcome.LostBeforeBackup == 0 && outcome.Unexpected == 0 ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Fail("interrupted");
        }
        catch (Exception e)
        {
            return Fail(e.ToString());
        }
        // LocalClusterRunner.Dispose kills whatever still runs, on every path out of here.
    }

    // One loop owns accounts i, i+Callers, ...: deposits to an account are strictly sequential, so its journal order is
    // its acknowledgement order (what DrillLedger relies on).
    private Task LoadAsync(LocalClusterRunner cluster, string[] accounts, DrillLedger ledger, CancellationToken stop, CancellationToken cancel) =>
        Task.WhenAll(Enumerable.Range(0, _settings.Callers).Select(loop => Task.Run(async () =>
        {
            var mine = Enumerable.Range(0, accounts.Length).Where(i => i % _settings.Callers == loop).ToArray();
            for (var round = 0; !stop.IsCancellationRequested && mine.Length > 0; round++)
            {
                var i = mine[round % mine.Length];
                var account = accounts[i];
                var n = ledger.Count(account);
                // Stop only between deposits: the one in flight is retried (same key) until acknowledged, so no
                // deposit is left ambiguous when the disaster strikes.
                await CallAsync(cluster, i, "Deposit", $$"""{"accountId":"{{account}}","amount":1}""", $"{account}-d{n}", cancel);
                ledger.Acknowledged(account, _clock.Elapsed);
            }
        }, cancel)));

    /// <summary>One call through a gateway, retried (same idempotency key) on other nodes until it succeeds or
    /// <see cref="CallBound"/> passes; returns the response JSON.</summary>
    private async Task<string> CallAsync(LocalClusterRunner cluster, int index, string method, string json, string? key, CancellationToken cancel)
    {
        var started = Stopwatch.StartNew();
        string last = "";
        for (var attempt = 0; started.Elapsed < CallBound; attempt++)
        {
            var node = (index + attempt) % cluster.HttpPorts.Length;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.HttpAddress(node), $"rpc/accounts/{method}"))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Rpc-Timeout-Ms", "10000");
                if (key is not null) request.Headers.Add("Idempotency-Key", key);
                using var response = await _http.SendAsync(request, cancel);
                var body = await response.Content.ReadAsStringAsync(cancel);
                if (response.StatusCode == HttpStatusCode.OK) return body;
                last = $"HTTP {(int)response.StatusCode} {body}";
                // The caller's own mistakes are not retried: they would fail the same way again.
                if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict)
                    throw new InvalidOperationException($"{method} {json}: {last}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                last = e.Message;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5))), cancel);
        }
        throw new TimeoutException($"{method} {json} not answered within {CallBound.TotalSeconds:0} s: {last}");
    }

    private static async Task ForEachAsync(string[] accounts, Func<string, int, Task> action, CancellationToken cancel)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < accounts.Length; i = Interlocked.Increment(ref next))
                await action(accounts[i], i);
        }, cancel)));
    }

    private async Task WaitReadyAsync(LocalClusterRunner cluster, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cluster.HttpPorts.Length; i++)
        {
            while (true)
            {
                try
                {
                    using var response = await _http.GetAsync(new Uri(cluster.HttpAddress(i), "health/ready"), cancel);
                    if (response.StatusCode == HttpStatusCode.OK) break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested) { }
                if (clock.Elapsed > ReadyBound) throw new TimeoutException($"node{i + 1} not ready within {ReadyBound.TotalSeconds:0} s; see {cluster.WorkDirectory}");
                await Task.Delay(100, cancel);
            }
        }
    }

    private static async Task<(int Code, string Output)> RunCliAsync(string cliDll, CancellationToken cancel, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cliDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start akkarpc");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bound.CancelAfter(TimeSpan.FromMinutes(5));
        try { await process.WaitForExitAsync(bound.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string CliDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "src", "AkkaRpc.Cli", "bin", "Release", "net10.0", "AkkaRpc.Cli.dll");
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln")))
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing; build src/AkkaRpc.Cli -c Release first");
        }
        throw new FileNotFoundException("AkkaRpc.sln not found above the drill's binaries");
    }

    private void Say(string message) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    private int Fail(string message)
    {
        Console.Error.WriteLine($"drill FAILED: {message}");
        return 2;
    }
}
