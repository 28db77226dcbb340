using AkkaRpc.Bench;
using AkkaRpc.Bench.Runs;
using AkkaRpc.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Benchmark of issue #8's workload: N node processes on 127.0.0.1, a caller process, C closed call loops over K
// counters chosen at random, W s of warm-up, S s measured; one "setup:" and one "bench:" line per variant.
//
// Usage: AkkaRpc.Bench [--nodes 3] [--callers 64] [--keys 10000] [--warmup 20] [--seconds 10]
//                      [--variants raw-akka,akkarpc-inmem,akkarpc-sqlite,akkarpc-postgres,akkarpc-inmem-in-node]
//                      [--postgres CONNECTION (default: env AKKARPC_POSTGRES)] [--set AkkaRpcKey=Value ...]
//
// The bench starts its node processes itself as this same program with AkkaRpc:* settings on the command line
// (node mode): each hosts the counter service and the baseline's shard region.
if (args.Length > 0 && args[0].StartsWith($"--{AkkaRpcOptions.Section}:", StringComparison.Ordinal))
{
    var builder = Host.CreateApplicationBuilder(args);
    var options = builder.Configuration.GetSection(AkkaRpcOptions.Section).Get<AkkaRpcOptions>() ?? new AkkaRpcOptions();
    using var node = BenchHost.Build(builder, options, LogLevel.Warning);
    await node.RunAsync();
    return 0;
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 2;
}

var workDirectory = Directory.CreateTempSubdirectory("akkarpc-bench-").FullName;
double? raw = null;
try
{
    foreach (var variant in settings.Variants)
    {
        var result = await VariantRun.RunAsync(settings, variant, workDirectory);
        if (variant.Raw) raw ??= result.CallsPerSecond;
        Console.WriteLine(result.ToLine(raw));
    }
}
finally
{
    try { Directory.Delete(workDirectory, true); }
    catch (IOException) { }
}
return 0;
