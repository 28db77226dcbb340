using Akka.Hosting;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Hosting;
using AkkaRpc.LocalCluster;
using AkkaRpc.Persistence;
using AkkaRpc.Sample;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// A one-node cluster in this process wired exactly like the node program (WithAkkaRpc + the gateway in a
/// WebApplication), listening on free ports of 127.0.0.1, with real HTTP and gRPC clients pointed at it.
/// </summary>
public sealed class GatewayNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempFolder _folder;

    private GatewayNode(WebApplication app, TempFolder folder, int httpPort, int grpcPort, GatewayOptions options)
    {
        _app = app;
        _folder = folder;
        Options = options;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions
        {
            MaxSendMessageSize = 4 * 1024 * 1024,
        });
        Grpc = new RpcGateway.RpcGatewayClient(Channel);
    }

    public GatewayOptions Options { get; }
    public HttpClient Http { get; }
    public GrpcChannel Channel { get; }
    public RpcGateway.RpcGatewayClient Grpc { get; }

    public static async Task<GatewayNode> StartAsync()
    {
        var folder = new TempFolder();
        var ports = FreePorts.Take(2);
        var options = new AkkaRpcOptions
        {
            Port = 0,
            Persistence = new PersistenceOptions { Provider = JournalProvider.Sqlite, ConnectionString = $"Data Source={folder.File("gateway.db")}" },
        };
        var gateway = new GatewayOptions { HttpPort = ports[0], GrpcPort = ports[1], MaxRequestBytes = 16 * 1024, MaxTimeoutMs = 60_000 };
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Services.AddAkka(options.ClusterName, akka => akka
            .ConfigureLoggers(l => l.AddLoggerFactory())
            .WithAkkaRpc(options, rpc => rpc.AddSampleServices()));
        builder.Services.AddAkkaRpcClient();
        builder.AddAkkaRpcGateway(gateway);
        var app = builder.Build();
        app.MapAkkaRpcGateway();
        await app.StartAsync();
        var node = new GatewayNode(app, folder, ports[0], ports[1], gateway);
        await Eventually.TrueAsync(async () =>
                (await node.Http.GetAsync(GatewayHostingExtensions.ReadyPath)).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), "the gateway node reports ready");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await _app.StopAsync(cts.Token); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>One gateway node for a whole test class.</summary>
public sealed class GatewayNodeFixture : IAsyncLifetime
{
    public GatewayNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await GatewayNode.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
