using System.Diagnostics;
using System.Globalization;
using AkkaRpc;
using AkkaRpc.LocalCluster;
using AkkaRpc.Sample.Accounts;
using HdrHistogram;
using Microsoft.Extensions.Logging;

// Usage: AkkaRpc.Bench [--nodes 3] [--journal inmem|sqlite] [--callers 64] [--keys 10000] [--warmup 10] [--seconds 10]
// Setup: N node processes on 127.0.0.1 hosting the accounts service, this process as a separate non-hosting client
// node, C closed loops each depositing 1 into a random account of K, W seconds of warm-up, then S seconds measured.
var settings = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--nodes"] = "3", ["--journal"] = "inmem", ["--callers"] = "64", ["--keys"] = "10000", ["--warmup"] = "10", ["--seconds"] = "10",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!settings.ContainsKey(args[i])) { Console.Error.WriteLine($"unknown option {args[i]}"); return 2; }
    settings[args[i]] = args[i + 1];
}
int Int(string key) => int.Parse(settings[key], CultureInfo.InvariantCulture);
var (nodes, callers, keys, warmup, seconds) = (Int("--nodes"), Int("--callers"), Int("--keys"), Int("--warmup"), Int("--seconds"));
var journal = settings["--journal"] switch
{
    "inmem" => "InMemory",
    "sqlite" => "Sqlite",
    var other => throw new ArgumentException($"--journal inmem|sqlite, not {other}"),
};
var variant = $"akkarpc-{nodes}n-{settings["--journal"]}";

var workdir = Directory.CreateTempSubdirectory("akkarpc-bench-").FullName;
using var cluster = new LocalClusterRunner(nodes, workdir, new Dictionary<string, string> { ["Persistence:Provider"] = journal });
cluster.StartAll();
await using var client = await ClientNode.StartAsync(cluster.Seeds, CallPolicy.Default, LogLevel.Error);
if (!await client.WaitForMembersAsync(nodes, TimeSpan.FromSeconds(90)))
{
    Console.Error.WriteLine("cluster did not come up");
    return 1;
}
Console.WriteLine($"setup: nodes={nodes} journal={journal} callers={callers} keys={keys} warmup={warmup}s measured={seconds}s client=separate process (embedded non-hosting node)");

// Warm-up: a cold cluster (JIT, shard allocation, journal start) answers its first calls slowly; wait until one call
// makes the whole trip before creating load, so setup timeouts do not trip the client's circuit breaker.
var warmUp = Stopwatch.StartNew();
while ((await client.Client.CallAsync(new GetBalance("bench-warm-up"))).Code != RpcStatusCode.NotFound)
    if (warmUp.Elapsed > TimeSpan.FromSeconds(90)) throw new InvalidOperationException("no call made the full trip within 90 s");

var accounts = Enumerable.Range(0, keys).Select(i => $"b-{i}").ToArray();
var setupPolicy = new CallOptions { Timeout = TimeSpan.FromSeconds(60), RequestId = null };
await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = callers }, async (a, _) =>
{
    var r = await client.Client.CallAsync(new OpenAccount(a, "bench"), setupPolicy with { RequestId = $"open-{a}" });
    if (!r.IsOk && r.Code != RpcStatusCode.AlreadyExists) throw new InvalidOperationException(r.ToString());
});

var histogram = new LongConcurrentHistogram(1, TimeStamp.Seconds(60), 3);
long calls = 0, errors = 0;
var measuring = false;
using var stop = new CancellationTokenSource();
var loops = Enumerable.Range(0, callers).Select(loop => Task.Run(async () =>
{
    var random = new Random(loop);
    while (!stop.IsCancellationRequested)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await client.Client.CallAsync(new Deposit(accounts[random.Next(keys)], 1));
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (!Volatile.Read(ref measuring)) continue;
        histogram.RecordValue(elapsed);
        Interlocked.Increment(ref calls);
        if (!result.IsOk) Interlocked.Increment(ref errors);
    }
})).ToArray();

await Task.Delay(TimeSpan.FromSeconds(warmup));
var pids = cluster.Nodes.Select(n => n!.Pid).Append(Environment.ProcessId).ToArray();
TimeSpan Cpu() => pids.Select(p => { try { return Process.GetProcessById(p).TotalProcessorTime; } catch (ArgumentException) { return TimeSpan.Zero; } })
    .Aggregate(TimeSpan.Zero, (a, b) => a + b);
var cpuBefore = Cpu();
var clock = Stopwatch.StartNew();
Volatile.Write(ref measuring, true);
await Task.Delay(TimeSpan.FromSeconds(seconds));
Volatile.Write(ref measuring, false);
var wall = clock.Elapsed;
var cpu = Cpu() - cpuBefore;
stop.Cancel();
await Task.WhenAll(loops);

double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
var total = Interlocked.Read(ref calls);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"bench: variant={variant} calls_per_s={total / wall.TotalSeconds:0} p50_ms={Ms(50):0.00} p99_ms={Ms(99):0.00} p999_ms={Ms(99.9):0.00} errors={errors} cpu_us_per_call={(total == 0 ? 0 : cpu.TotalMicroseconds / total):0.0}"));
await cluster.StopAllAsync(TimeSpan.FromSeconds(15));
try { Directory.Delete(workdir, true); } catch (IOException) { }
return 0;
