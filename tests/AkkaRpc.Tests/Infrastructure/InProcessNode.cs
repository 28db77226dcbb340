using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using AkkaRpc.Client;
using AkkaRpc.Hosting;
using AkkaRpc.Persistence;
using AkkaRpc.Sample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>A full AkkaRpc node (the production WithAkkaRpc path) hosted in the test process on a free port.</summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Client = host.Services.GetRequiredService<IRpcClient>();
        Address = Akka.Cluster.Cluster.Get(System).SelfAddress.ToString();
    }

    public ActorSystem System { get; }
    public IRpcClient Client { get; }

    /// <summary>The node's cluster address, as replies report it in ServedBy.</summary>
    public string Address { get; }

    public string HostPort => $"127.0.0.1:{Akka.Cluster.Cluster.Get(System).SelfAddress.Port}";

    public AkkaRpcRuntime Runtime => AkkaRpcRuntime.Get(System);

    /// <summary>Starts a node on a free port that joins <paramref name="seeds"/> (none: it forms its own cluster).</summary>
    public static Task<InProcessNode> StartAsync(string databasePath, string[]? seeds = null, string[]? roles = null) =>
        StartAsync(new PersistenceOptions { Provider = JournalProvider.Sqlite, ConnectionString = $"Data Source={databasePath}" }, seeds, roles);

    /// <summary>Starts a node on a free port with the given journal.</summary>
    public static async Task<InProcessNode> StartAsync(
        PersistenceOptions persistence, string[]? seeds = null, string[]? roles = null, Action<AkkaRpcOptions>? configure = null)
    {
        var options = new AkkaRpcOptions
        {
            Port = 0,
            SeedNodes = seeds ?? [],
            Roles = roles ?? [AkkaRpcOptions.DefaultServiceRole],
            Persistence = persistence,
        };
        configure?.Invoke(options);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Services.AddAkka(options.ClusterName, akka => akka
            .ConfigureLoggers(l => l.AddLoggerFactory())
            .WithAkkaRpc(options, rpc => rpc.AddSampleServices()));
        builder.Services.AddAkkaRpcClient();
        var host = builder.Build();
        await host.StartAsync();
        var node = new InProcessNode(host);
        await node.Runtime.Started.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    public int UpMembers => Akka.Cluster.Cluster.Get(System).State.Members.Count(m => m.Status == MemberStatus.Up);

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _host.StopAsync(cts.Token); }
        catch (OperationCanceledException) { }
        _host.Dispose();
    }
}

/// <summary>
/// A temp folder removed at the end of a test, unless <see cref="KeepVariable"/> is 1 (then node logs and journals stay
/// for a post-mortem).
/// </summary>
public sealed class TempFolder : IDisposable
{
    public const string KeepVariable = "AKKARPC_KEEP_TEST_FILES";

    public TempFolder() => Path = Directory.CreateTempSubdirectory("akkarpc-test-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable(KeepVariable) == "1") return;
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
