using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using AkkaRpc.Client;
using AkkaRpc.Hosting;
using AkkaRpc.Persistence;
using AkkaRpc.Sample;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.LocalCluster;

/// <summary>
/// An embedded, non-hosting cluster node in this process: it joins the cluster with the role <c>client</c>, hosts no
/// shards and no workers, and calls the sample services through a shard region proxy and the consistent-hash router.
/// </summary>
public sealed class ClientNode : IAsyncDisposable
{
    private readonly IHost _host;

    private ClientNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Client = AkkaRpcRuntime.Get(System).Client;
    }

    /// <summary>The client's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The RPC client.</summary>
    public IRpcClient Client { get; }

    /// <summary>Starts a client node that joins through <paramref name="seeds"/> (<c>host:port</c>).</summary>
    /// <param name="seeds">Seed nodes as <c>host:port</c>.</param>
    /// <param name="policy">The client's default call policy; null keeps AkkaRpc's default.</param>
    /// <param name="logLevel">The client's own log level (its output goes to this process's console).</param>
    /// <param name="hostname">The address the client binds and advertises; the nodes must be able to reach it (null: 127.0.0.1).</param>
    public static async Task<ClientNode> StartAsync(
        IEnumerable<string> seeds, CallPolicy? policy = null, LogLevel logLevel = LogLevel.Warning, string? hostname = null)
    {
        var options = new AkkaRpcOptions
        {
            Hostname = hostname ?? NodePlacement.Loopback.Host,
            Port = 0,
            SeedNodes = seeds.ToArray(),
            Roles = ["client"],
            // The client hosts no entity, so it never writes to the journal.
            Persistence = new PersistenceOptions { Provider = JournalProvider.InMemory },
        };
        var builder = Host.CreateApplicationBuilder();
        // Transport settings come from configuration like a node's (e.g. AkkaRpc__Transport__Batching=false), so one
        // environment variable switches batching for the nodes and this client alike.
        builder.Configuration.GetSection($"{AkkaRpcOptions.Section}:Transport").Bind(options.Transport);
        builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(logLevel);
        builder.Services.AddAkka(options.ClusterName, akka => akka
            .ConfigureLoggers(l => l.AddLoggerFactory())
            .WithAkkaRpc(options, rpc =>
            {
                rpc.AddSampleServices();
                if (policy is not null) rpc.WithDefaultPolicy(policy);
            }));
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new ClientNode(host);
    }

    /// <summary>Members currently Up with role <paramref name="role"/>, as this client sees them.</summary>
    public int UpMembers(string role = AkkaRpcOptions.DefaultServiceRole) =>
        Cluster.Get(System).State.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(role));

    /// <summary>Waits until <paramref name="count"/> members with <paramref name="role"/> are Up; false on timeout.</summary>
    public async Task<bool> WaitForMembersAsync(int count, TimeSpan timeout, string role = AkkaRpcOptions.DefaultServiceRole)
    {
        var clock = Stopwatch.StartNew();
        while (UpMembers(role) < count)
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(100).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Leaves the cluster and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _host.StopAsync(cts.Token).ConfigureAwait(false); }
        finally { _host.Dispose(); }
    }
}
