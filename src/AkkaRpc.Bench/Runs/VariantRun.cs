using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using AkkaRpc.Bench.Counters;
using AkkaRpc.Bench.RawAkka;
using AkkaRpc.Client;
using AkkaRpc.Hosting;
using AkkaRpc.LocalCluster;
using AkkaRpc.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Bench.Runs;

/// <summary>
/// Runs one variant on a cluster of its own: starts the node processes (this same program in node mode), joins this
/// process as the caller (a non-hosting member, or a hosting one for <c>-in-node</c>), waits until calls make the full
/// trip, then runs the closed loops. Every process it started is killed by PID at the end, also on failure.
/// </summary>
internal static class VariantRun
{
    private static readonly TimeSpan SetupBudget = TimeSpan.FromSeconds(90);

    public static async Task<BenchResult> RunAsync(BenchSettings bench, Variant variant, string workDirectory)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, variant.Name)).FullName;
        ScratchPostgresDatabase? postgres = null;
        var nodes = new List<NodeProcess>();
        IHost? caller = null;
        try
        {
            var connection = variant.Journal switch
            {
                JournalProvider.Sqlite => $"Data Source={Path.Combine(directory, "akkarpc.db")}",
                JournalProvider.PostgreSql => (postgres = await ScratchPostgresDatabase.CreateAsync(bench.PostgresConnection!)).ConnectionString,
                _ => "",
            };
            var ports = FreePorts.Take(bench.Nodes);
            var seeds = ports.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}").ToArray();
            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Roles:0"] = AkkaRpcOptions.DefaultServiceRole,
                ["Persistence:Provider"] = variant.Journal.ToString(),
                ["Persistence:ConnectionString"] = connection,
            };
            for (var i = 0; i < seeds.Length; i++) settings[$"SeedNodes:{i}"] = seeds[i];
            foreach (var (key, value) in bench.NodeSettings) settings[key] = value;

            // In-node: this process is node 1 (the first seed) and hosts shards; otherwise all N are child processes.
            var benchDll = typeof(VariantRun).Assembly.Location;
            for (var i = variant.CallerInNode ? 1 : 0; i < ports.Length; i++)
                nodes.Add(NodeProcess.Start($"node{i + 1}", ports[i], settings, directory, benchDll));

            var options = new AkkaRpcOptions
            {
                Port = variant.CallerInNode ? ports[0] : 0,
                SeedNodes = seeds,
                Roles = [variant.CallerInNode ? AkkaRpcOptions.DefaultServiceRole : "client"],
                Persistence = variant.CallerInNode
                    ? new PersistenceOptions { Provider = variant.Journal, ConnectionString = connection }
                    : new PersistenceOptions { Provider = JournalProvider.InMemory },
            };
            // The node settings given with --set apply to the caller too: the same persistence knobs where it hosts
            // shards, and the client-side ones (e.g. Transport:Batching=false, which only the sender acts on) always.
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(bench.NodeSettings.Select(s => KeyValuePair.Create($"{AkkaRpcOptions.Section}:{s.Key}", (string?)s.Value)));
            builder.Configuration.GetSection(AkkaRpcOptions.Section).Bind(options);
            caller = BenchHost.Build(builder, options, LogLevel.Error);
            await caller.StartAsync().ConfigureAwait(false);
            var system = caller.Services.GetRequiredService<ActorSystem>();
            await WaitForMembersAsync(system, bench.Nodes).ConfigureAwait(false);

            var where = variant.CallerInNode ? "inside-node1(hosts-shards)" : "own-process(non-hosting-member)";
            var path = variant.Raw ? "plain-shard-region-ask+messagepack" : "akkarpc-client";
            var extra = bench.NodeSettings.Count == 0 ? "" : " settings=" + string.Join(",", bench.NodeSettings.Select(s => $"{s.Key}={s.Value}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"setup: variant={variant.Name} nodes={bench.Nodes} callers={bench.Callers} keys={bench.Keys} journal={variant.JournalName} caller={where} path={path} warmup={bench.WarmupSeconds}s measured={bench.MeasuredSeconds}s{extra}"));

            var keys = Enumerable.Range(0, bench.Keys).Select(i => $"c-{i}").ToArray();
            var call = variant.Raw ? RawCall(caller, keys) : RpcCall(system, keys);
            await WaitForFullTripAsync(call).ConfigureAwait(false);
            var pids = nodes.Select(n => n.Pid).Append(Environment.ProcessId).ToArray();
            return await ClosedLoopLoad.RunAsync(variant.Name, call, bench.Callers, bench.Keys,
                TimeSpan.FromSeconds(bench.WarmupSeconds), TimeSpan.FromSeconds(bench.MeasuredSeconds), pids).ConfigureAwait(false);
        }
        finally
        {
            if (caller is not null)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try { await caller.StopAsync(cts.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
                caller.Dispose();
            }
            foreach (var node in nodes) node.Dispose();
            if (postgres is not null) await postgres.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Func<int, Task<bool>> RpcCall(ActorSystem system, string[] keys)
    {
        var client = AkkaRpcRuntime.Get(system).Client;
        return async k => (await client.CallAsync(new Add(keys[k], 1)).ConfigureAwait(false)).IsOk;
    }

    private static Func<int, Task<bool>> RawCall(IHost caller, string[] keys)
    {
        var region = caller.Services.GetRequiredService<ActorRegistry>().Get<RawCounterRegion>();
        // Same overall bound as the AkkaRpc client's default deadline; the baseline has no retries.
        var timeout = TimeSpan.FromSeconds(10);
        return async k =>
        {
            await region.Ask<RawValue>(new RawAdd(keys[k], 1), timeout).ConfigureAwait(false);
            return true;
        };
    }

    private static async Task WaitForMembersAsync(ActorSystem system, int count)
    {
        var cluster = Cluster.Get(system);
        var clock = Stopwatch.StartNew();
        while (cluster.State.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(AkkaRpcOptions.DefaultServiceRole)) < count)
        {
            if (clock.Elapsed > SetupBudget) throw new TimeoutException($"{count} nodes were not Up within {SetupBudget.TotalSeconds:0} s");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    // A cold cluster (JIT, shard allocation, journal start) answers its first calls slowly: wait until one call makes
    // the whole trip before the load starts, so setup time is not counted as warm-up and trips no breaker.
    private static async Task WaitForFullTripAsync(Func<int, Task<bool>> call)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await call(0).ConfigureAwait(false)) return;
            }
            catch (AskTimeoutException) { }
            if (clock.Elapsed > SetupBudget) throw new TimeoutException($"no call made the full trip within {SetupBudget.TotalSeconds:0} s");
        }
    }
}
