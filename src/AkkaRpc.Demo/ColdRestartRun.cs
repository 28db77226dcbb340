using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AkkaRpc.Backup;
using AkkaRpc.LocalCluster;
using AkkaRpc.Persistence;
using Npgsql;

namespace AkkaRpc.Demo;

/// <summary>
/// The cold-restart benchmark (scripts/cold-restart.sh, issue 6's recovery targets). A generated journal of
/// <c>entities × commands</c> rows (see <see cref="SyntheticJournal"/>) is loaded with <c>akkarpc import</c> and backed
/// up with <c>akkarpc backup</c>; then
/// (a) cold start: 3 node processes start on that database and every account is read through the gateways until each
/// has answered with its expected balance (a read that needs the entity's recovered state);
/// (b) RTO: <c>akkarpc restore</c> of the backup into an EMPTY database, then the same cold start and read-back.
/// Before (a), unless <c>--cold-reader</c>, one untimed cold start of the same kind warms up the reader: this process
/// stands in for the callers, which keep running while a cluster restarts, and on this 2-core machine its own first
/// compilation would otherwise be counted against the nodes in (a) but not in (b). Its time is reported too.
/// Last line: <c>cold-restart: ... all_served_s=X replay_rows_per_s=R rto_s=Y cold_reader_all_served_s=Z mismatches=0</c>.
/// </summary>
internal sealed class ColdRestartRun
{
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CliBound = TimeSpan.FromMinutes(15);

    private readonly ColdRestartSettings _settings;
    private readonly Stopwatch _clock = new();
    private readonly List<string> _databases = [];

    public ColdRestartRun(ColdRestartSettings settings) => _settings = settings;

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        _clock.Start();
        try
        {
            var journal = new SyntheticJournal(_settings.Entities, _settings.Commands, _settings.SnapshotEvery, ColdRestartSettings.RememberedRequests);
            await EnsureDataAsync(journal, cancel);
            if (_settings.GenerateOnly) return 0;

            var provider = _settings.Provider.ToString();
            Directory.CreateDirectory(_settings.WorkDirectory);
            if (_settings.Existing is { } existing)
            {
                var coldReader = await WarmUpReaderAsync(existing, journal, cancel);
                var only = await ColdStartAsync("a", existing, journal, cancel);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"cold-restart: provider={provider} existing database ready_s={only.Ready.TotalSeconds:0.0} all_served_s={only.AllServed.TotalSeconds:0.0}" +
                    $"{ColdReaderField(coldReader)} mismatches={only.Mismatches + (coldReader?.Mismatches ?? 0)}"));
                return only.Mismatches + (coldReader?.Mismatches ?? 0) == 0 ? 0 : 1;
            }
            var source = await NewDatabaseAsync("a", cancel);
            var (code, output) = await TimedCliAsync("import", cancel, "import", "--from", _settings.DataDirectory, "--provider", provider, "--connection", source);
            if (code != 0) return Fail($"akkarpc import exited {code}: {output}");
            var backup = Path.Combine(_settings.WorkDirectory, "backup");
            (code, output) = await TimedCliAsync("backup", cancel, "backup", "--provider", provider, "--connection", source, "--to", backup);
            if (code != 0) return Fail($"akkarpc backup exited {code}: {output}");

            // (a) the cold start on the loaded database.
            var warmUp = await WarmUpReaderAsync(source, journal, cancel);
            var cold = await ColdStartAsync("a", source, journal, cancel);

            // (b) RTO: restore into an empty database, then the same cold start.
            var target = await NewDatabaseAsync("b", cancel);
            var rto = Stopwatch.StartNew();
            (code, output) = await TimedCliAsync("restore", cancel, "restore", "--from", backup, "--provider", provider, "--connection", target);
            if (code != 0) return Fail($"akkarpc restore exited {code}: {output}");
            var restoreTime = rto.Elapsed;
            var restarted = await ColdStartAsync("b", target, journal, cancel);
            var rtoTime = restoreTime + restarted.AllServed;
            Say($"RTO: restore {restoreTime.TotalSeconds:0.00} s + cold start to all served {restarted.AllServed.TotalSeconds:0.00} s = {rtoTime.TotalSeconds:0.00} s");

            var replayed = ReplayedRows(journal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cold-restart: provider={provider} events={journal.Events} entities={_settings.Entities} snapshot_every={_settings.SnapshotEvery} " +
                $"replayed_rows={replayed} ready_s={cold.Ready.TotalSeconds:0.0} all_served_s={cold.AllServed.TotalSeconds:0.0} " +
                $"replay_rows_per_s={replayed / cold.Reading.TotalSeconds:0} events_per_s={journal.Events / cold.Reading.TotalSeconds:0} " +
                $"restore_s={restoreTime.TotalSeconds:0.0} rto_s={rtoTime.TotalSeconds:0.0}{ColdReaderField(warmUp)} " +
                $"mismatches={cold.Mismatches + restarted.Mismatches + (warmUp?.Mismatches ?? 0)}"));
            return cold.Mismatches + restarted.Mismatches + (warmUp?.Mismatches ?? 0) == 0 ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Fail("interrupted");
        }
        catch (Exception e)
        {
            return Fail(e.ToString());
        }
        finally
        {
            await DropDatabasesAsync();
        }
    }

    /// <summary>
    /// The untimed cold start that warms up the reader (null with <c>--cold-reader</c>): the same nodes on the same
    /// database, every account read; the nodes are stopped after it, so (a) starts new processes as cold as ever.
    /// </summary>
    private async Task<ColdStart?> WarmUpReaderAsync(string connection, SyntheticJournal journal, CancellationToken cancel)
    {
        if (_settings.ColdReader) return null;
        var run = await ColdStartAsync("warm-up", connection, journal, cancel);
        Say($"[warm-up] the reader is warm now; with it still cold, all accounts were served {run.AllServed.TotalSeconds:0.00} s after start");
        return run;
    }

    private static string ColdReaderField(ColdStart? warmUp) =>
        warmUp is null ? "" : string.Create(CultureInfo.InvariantCulture, $" cold_reader_all_served_s={warmUp.AllServed.TotalSeconds:0.0}");

    /// <summary>Journal rows recovery must read past the snapshots: per account, the rows after its newest snapshot.</summary>
    private long ReplayedRows(SyntheticJournal journal)
    {
        var covered = _settings.SnapshotEvery > 0 ? _settings.Commands / _settings.SnapshotEvery * _settings.SnapshotEvery : 0;
        return journal.Events - (long)covered * _settings.Entities;
    }

    private sealed record ColdStart(TimeSpan Ready, TimeSpan AllServed, TimeSpan Reading, int Mismatches);

    /// <summary>Starts 3 nodes on <paramref name="connection"/> and reads every account; times from the process start.</summary>
    private async Task<ColdStart> ColdStartAsync(string phase, string connection, SyntheticJournal journal, CancellationToken cancel)
    {
        var settings = new Dictionary<string, string>
        {
            ["Persistence:Provider"] = _settings.Provider.ToString(),
            ["Persistence:ConnectionString"] = connection,
            ["SnapshotEvery"] = Math.Max(1, _settings.SnapshotEvery).ToString(CultureInfo.InvariantCulture),
        };
        using var cluster = new LocalClusterRunner(3, Path.Combine(_settings.WorkDirectory, phase), settings);
        using var gateways = new GatewayCalls(cluster, CallBound);
        var expected = Enumerable.Range(0, _settings.Entities).Select(journal.ExpectedBalance).ToArray();
        var clock = Stopwatch.StartNew();
        cluster.StartAll();
        await gateways.WaitReadyAsync(ReadyBound, cancel);
        var ready = clock.Elapsed;
        var mismatches = 0;
        var firstMismatch = "";
        var served = 0;
        // Accounts served in each second of the reads: shows whether the time goes into a slow start (JIT, shard
        // allocation) or into a steady rate.
        var perSecond = new List<int>();
        using var progress = new Timer(_ => { lock (perSecond) perSecond.Add(Volatile.Read(ref served)); }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await GatewayCalls.ForEachAsync(_settings.Entities, _settings.Readers, async i =>
        {
            var key = SyntheticJournal.Key(i);
            var body = await gateways.CallAsync(i, "GetBalance", $$"""{"accountId":"{{key}}"}""", null, cancel);
            using var json = JsonDocument.Parse(body);
            var balance = json.RootElement.GetProperty("balance").GetInt64();
            var transactions = json.RootElement.GetProperty("transactions").GetInt64();
            if (balance != expected[i] || transactions != _settings.Commands - 1)
            {
                if (Interlocked.Increment(ref mismatches) == 1)
                    firstMismatch = $"{key}: balance {balance} transactions {transactions}, expected {expected[i]} and {_settings.Commands - 1}";
            }
            Interlocked.Increment(ref served);
        }, cancel);
        var allServed = clock.Elapsed;
        await progress.DisposeAsync();
        // Scraped now, before the second read below adds work of its own.
        var metrics = await NodeMetrics.ScrapeAsync(cluster, cancel);
        int[] counts;
        lock (perSecond) counts = [.. perSecond];
        Say($"[{phase}] accounts served in each second of the reads: {string.Join(" ", counts.Select((c, k) => c - (k == 0 ? 0 : counts[k - 1])))}");
        // The same reads again, every entity now in memory: what the calls themselves cost, without recovery.
        var warm = Stopwatch.StartNew();
        await GatewayCalls.ForEachAsync(_settings.Entities, _settings.Readers,
            i => gateways.CallAsync(i, "GetBalance", $$"""{"accountId":"{{SyntheticJournal.Key(i)}}"}""", null, cancel), cancel);
        Say($"[{phase}] second read of every account (no recovery): {warm.Elapsed.TotalSeconds:0.00} s");
        Say($"[{phase}] 3 nodes ready {ready.TotalSeconds:0.00} s after start; all {_settings.Entities} accounts served " +
            $"{allServed.TotalSeconds:0.00} s after start ({(allServed - ready).TotalSeconds:0.00} s of reads, {gateways.Retried} retried); " +
            $"{mismatches} wrong{(mismatches > 0 ? $", first: {firstMismatch}" : "")}");
        Say($"[{phase}] entity recovery (node metrics): {RecoveryStats(metrics)}");
        Say($"[{phase}] runtime (node metrics): {RuntimeStats(metrics)}");
        foreach (var node in cluster.Nodes) node?.Kill();
        return new ColdStart(ready, allServed, allServed - ready, mismatches);
    }

    /// <summary>Count and mean of <c>akkarpc.entity.recovery.duration</c> over the nodes.</summary>
    private static string RecoveryStats(NodeMetrics metrics)
    {
        const string name = "akkarpc_entity_recovery_duration_seconds";
        var count = metrics.Sum(name + "_count");
        var perNode = Enumerable.Range(0, metrics.Count).Select(i => metrics.Sum(i, name + "_count").ToString("0", CultureInfo.InvariantCulture));
        return count == 0
            ? "no samples"
            : string.Create(CultureInfo.InvariantCulture,
                $"{count:0} entities recovered (per node {string.Join("/", perNode)}), mean {metrics.Sum(name + "_sum") / count * 1000:0.0} ms each");
    }

    /// <summary>
    /// Per node, over its life up to the moment every account was served: CPU time, and how much of it the runtime
    /// spent compiling (all JIT threads, tiered recompilation included) and collecting (GC pauses), from .NET's
    /// System.Runtime meter.
    /// </summary>
    private static string RuntimeStats(NodeMetrics metrics) =>
        string.Join("; ", Enumerable.Range(0, metrics.Count).Select(i => !metrics.Answered(i)
            ? $"node{i + 1}: no answer"
            : string.Create(CultureInfo.InvariantCulture,
                $"node{i + 1}: cpu {metrics.Sum(i, "dotnet_process_cpu_time_seconds_total"):0.0} s, " +
                $"jit {metrics.Sum(i, "dotnet_jit_compilation_time_seconds_total"):0.0} s, " +
                $"gc pauses {metrics.Sum(i, "dotnet_gc_pause_time_seconds_total"):0.00} s " +
                $"(gen0/1/2 {metrics.Sum(i, "dotnet_gc_collections_total", "\"gen0\""):0}/{metrics.Sum(i, "dotnet_gc_collections_total", "\"gen1\""):0}/" +
                $"{metrics.Sum(i, "dotnet_gc_collections_total", "\"gen2\""):0}), " +
                $"{metrics.Sum(i, "dotnet_gc_heap_total_allocated_bytes_total") / 1e9:0.00} GB allocated")));

    private async Task EnsureDataAsync(SyntheticJournal journal, CancellationToken cancel)
    {
        if (File.Exists(Path.Combine(_settings.DataDirectory, BackupManifest.FileName)))
        {
            Say($"generated journal {_settings.DataDirectory} already exists");
            return;
        }
        if (Directory.Exists(_settings.DataDirectory)) Directory.Delete(_settings.DataDirectory, recursive: true);
        var clock = Stopwatch.StartNew();
        var result = await Backups.ExportAsync(journal.RowsAsync(cancel), _settings.DataDirectory,
            $"generated: {_settings.Entities} accounts x {_settings.Commands} commands, snapshot every {_settings.SnapshotEvery}",
            TimeProvider.System, ct: cancel);
        Say($"generated {result.Manifest.Content.JournalRows} journal rows and {result.Manifest.Content.SnapshotRows} snapshots " +
            $"into {_settings.DataDirectory} ({result.Manifest.Data.Bytes / 1e6:0.0} MB) in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task<string> NewDatabaseAsync(string phase, CancellationToken cancel)
    {
        if (_settings.Provider == JournalProvider.Sqlite)
            return $"Data Source={Path.Combine(_settings.WorkDirectory, phase, "akkarpc.db")}";
        var name = $"akkarpc_cr_{Environment.ProcessId}_{phase}";
        await using (var connection = new NpgsqlConnection(_settings.Postgres))
        {
            await connection.OpenAsync(cancel);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(cancel);
        }
        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(_settings.Postgres) { Database = name }.ConnectionString;
    }

    private async Task DropDatabasesAsync()
    {
        // SQLite: the two ~370 MB databases and the backup go; the node logs stay for a look afterwards.
        if (_settings.Provider == JournalProvider.Sqlite && _settings.Existing is null)
        {
            var folders = new[] { "a", "b" }.Select(phase => Path.Combine(_settings.WorkDirectory, phase)).Where(Directory.Exists);
            foreach (var file in folders.SelectMany(folder => Directory.GetFiles(folder, "akkarpc.db*")))
                File.Delete(file);
            var backup = Path.Combine(_settings.WorkDirectory, "backup");
            if (Directory.Exists(backup)) Directory.Delete(backup, recursive: true);
        }
        foreach (var name in _databases)
        {
            // An autovacuum worker (after the bulk load) can hold the database for a moment, and FORCE may not end it.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(_settings.Postgres);
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
                    await command.ExecuteNonQueryAsync();
                    break;
                }
                catch (NpgsqlException e) when (attempt < 10)
                {
                    if (attempt == 1) Console.Error.WriteLine($"dropping database {name}: {e.Message}; trying again");
                    await Task.Delay(TimeSpan.FromSeconds(2));
                }
                catch (NpgsqlException e)
                {
                    Console.Error.WriteLine($"could not drop database {name}: {e.Message}");
                    break;
                }
            }
        }
    }

    private async Task<(int Code, string Output)> TimedCliAsync(string what, CancellationToken cancel, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var result = await CliRunner.RunAsync(CliBound, cancel, args);
        // stdout comes first and holds the verb's one-line result; the progress bars went to stderr.
        var last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        Say($"akkarpc {what}: {clock.Elapsed.TotalSeconds:0.00} s (whole process): {last}");
        return result;
    }

    private void Say(string message) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"cold-restart FAILED: {message}");
        return 2;
    }
}
