using System.Diagnostics;
using System.Globalization;
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
    private static readonly TimeSpan CliBound = TimeSpan.FromMinutes(5);

    private readonly DrillSettings _settings;
    private readonly Stopwatch _clock = new();
    // Wall time of _clock's zero: a scheduled backup's point in time is a wall time in its manifest (same machine clock).
    private DateTimeOffset _wallAtStart;

    public DrillRun(DrillSettings settings) => _settings = settings;

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _wallAtStart = TimeProvider.System.GetUtcNow();
        _clock.Start();
        var backups = Path.Combine(_settings.WorkDirectory, "backups");
        var nodeSettings = new Dictionary<string, string>();
        if (_settings.Scheduled)
        {
            nodeSettings["Backup:Enabled"] = "true";
            nodeSettings["Backup:Interval"] = _settings.Interval.ToString("c", CultureInfo.InvariantCulture);
            nodeSettings["Backup:Folder"] = backups;
        }
        using var cluster = new LocalClusterRunner(_settings.Nodes, _settings.WorkDirectory, nodeSettings);
        using var gateways = new GatewayCalls(cluster, CallBound);
        var database = Path.Combine(cluster.WorkDirectory, "akkarpc.db");
        var connection = $"Data Source={database}";
        Say($"work dir {cluster.WorkDirectory}");
        try
        {
            var accounts = Enumerable.Range(0, _settings.Accounts).Select(i => $"dr-{i:D4}").ToArray();
            var ledger = new DrillLedger(accounts);
            cluster.StartAll();
            await gateways.WaitReadyAsync(ReadyBound, cancel);
            Say($"{_settings.Nodes} nodes ready, gateways {string.Join(", ", cluster.HttpPorts)}");
            await GatewayCalls.ForEachAsync(accounts.Length, 16, i => gateways.CallAsync(i, "Open", $$"""{"accountId":"{{accounts[i]}}","owner":"drill"}""", $"{accounts[i]}-open", cancel), cancel);
            Say($"opened {accounts.Length} accounts");

            using var stopLoad = new CancellationTokenSource();
            var load = LoadAsync(gateways, accounts, ledger, stopLoad.Token, cancel);
            await Task.Delay(_settings.LoadBeforeBackup, cancel);

            int code;
            string output;
            if (!_settings.Scheduled)
            {
                var started = _clock.Elapsed;
                (code, output) = await CliRunner.RunAsync(CliBound, cancel, "backup", "--provider", "Sqlite", "--connection", connection,
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
            (code, output) = await CliRunner.RunAsync(CliBound, cancel, "restore", "--from", backup, "--provider", "Sqlite", "--connection", connection);
            if (code != 0) return Fail($"akkarpc restore exited {code}: {output}");
            // The runbook's step 3, inside the RTO: the restored database must match the backup before nodes start.
            (code, output) = await CliRunner.RunAsync(CliBound, cancel, "verify", "--provider", "Sqlite", "--connection", connection, "--manifest", backup);
            if (code != 0) return Fail($"akkarpc verify of the restored database exited {code}: {output}");
            var restoreTime = rto.Elapsed;
            cluster.StartAll();
            await gateways.WaitReadyAsync(ReadyBound, cancel);
            var readyTime = rto.Elapsed;
            var served = new Dictionary<string, long>();
            await GatewayCalls.ForEachAsync(accounts.Length, 16, async i =>
            {
                var body = await gateways.CallAsync(i, "GetBalance", $$"""{"accountId":"{{accounts[i]}}"}""", null, cancel);
                using var json = JsonDocument.Parse(body);
                lock (served) served[accounts[i]] = json.RootElement.GetProperty("transactions").GetInt64();
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
    private Task LoadAsync(GatewayCalls gateways, string[] accounts, DrillLedger ledger, CancellationToken stop, CancellationToken cancel) =>
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
                await gateways.CallAsync(i, "Deposit", $$"""{"accountId":"{{account}}","amount":1}""", $"{account}-d{n}", cancel);
                ledger.Acknowledged(account, _clock.Elapsed);
            }
        }, cancel)));

    private void Say(string message) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    private int Fail(string message)
    {
        Console.Error.WriteLine($"drill FAILED: {message}");
        return 2;
    }
}
