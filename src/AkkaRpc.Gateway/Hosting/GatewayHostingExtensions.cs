using System.Net;
using System.Text.Json;
using Akka.Actor;
using AkkaRpc.Client;
using AkkaRpc.Diagnostics;
using AkkaRpc.Gateway.Calls;
using AkkaRpc.Gateway.GrpcApi;
using AkkaRpc.Gateway.Health;
using AkkaRpc.Gateway.Http;
using AkkaRpc.Gateway.ClusterView;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace AkkaRpc.Gateway.Hosting;

/// <summary>Puts the gateway into an ASP.NET Core application that also runs an AkkaRpc node.</summary>
public static class GatewayHostingExtensions
{
    /// <summary>HTTP path of the liveness check.</summary>
    public const string LivePath = "/health/live";

    /// <summary>HTTP path of the readiness check.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>The .NET runtime's built-in meter, exported next to AkkaRpc's own on <see cref="MetricsPath"/>.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>HTTP path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The gRPC health service name that reports liveness; the overall status ("") reports readiness.</summary>
    public const string GrpcLivenessService = "liveness";

    /// <summary>
    /// Kestrel on <see cref="GatewayOptions.HttpPort"/> (HTTP/1.1) and <see cref="GatewayOptions.GrpcPort"/> (HTTP/2),
    /// the call path, health checks and metrics. The node's <see cref="IRpcClient"/> must be registered
    /// (<c>AddAkkaRpcClient</c>). With <see cref="GatewayOptions.Enabled"/> false no port is opened.
    /// </summary>
    public static WebApplicationBuilder AddAkkaRpcGateway(this WebApplicationBuilder builder, GatewayOptions options)
    {
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new GatewayCaller(
            sp.GetRequiredService<IRpcClient>(), AkkaRpcRuntime.Get(sp.GetRequiredService<ActorSystem>()), options));

        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxRequestBytes;
            grpc.EnableDetailedErrors = false;
        });
        services.AddHealthChecks()
            .AddCheck<LivenessCheck>("actor-system", tags: [LivenessCheck.Tag])
            .AddCheck<ReadinessCheck>("cluster-and-journal", tags: [ReadinessCheck.Tag]);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<
            global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<RpcGatewayService>, RpcGatewayMethods>());
        services.AddGrpcHealthChecks(health =>
        {
            health.Services.Clear();
            health.Services.Map("", check => check.Tags.Contains(ReadinessCheck.Tag));
            health.Services.Map(GrpcLivenessService, check => check.Tags.Contains(LivenessCheck.Tag));
        });
        // System.Runtime is .NET's own meter (GC collections and pause time, JIT time, CPU time, thread pool): what an
        // operator needs to tell a slow node from a busy one, and what the cold-restart benchmark reads per node.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(RpcMetrics.MeterName, GatewayMetrics.MeterName, RuntimeMeterName)
            .AddPrometheusExporter());

        if (!options.Enabled)
        {
            // The web host still runs (health checks and metrics stay resolvable in-process) but listens nowhere.
            services.AddSingleton<IServer, NoServer>();
            return builder;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A backstop above the real limits: the HTTP route sets the exact limit per request, and gRPC's own
            // MaxReceiveMessageSize must see an oversized message first to answer RESOURCE_EXHAUSTED (Kestrel failing
            // the read mid-call would surface as UNKNOWN).
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes + 16 * 1024;
            kestrel.AddServerHeader = false;
            var address = BindAddress(options.Hostname);
            kestrel.Listen(address, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(address, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }

    /// <summary>Maps the JSON route, the gRPC services, the health endpoints, <c>/cluster/status</c> and <c>/metrics</c>.</summary>
    public static WebApplication MapAkkaRpcGateway(this WebApplication app)
    {
        app.MapHttpRpc();
        app.MapClusterStatus();
        app.MapGrpcService<RpcGatewayService>();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks(LivePath, HealthEndpoint(LivenessCheck.Tag));
        app.MapHealthChecks(ReadyPath, HealthEndpoint(ReadinessCheck.Tag));
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    private static HealthCheckOptions HealthEndpoint(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteHealthAsync,
    };

    // A body that says why, not only "Unhealthy": the operator reading it wants the failing check's description.
    private static Task WriteHealthAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, cancellationToken: http.RequestAborted);
    }

    private static IPAddress BindAddress(string hostname) => hostname switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        _ => IPAddress.TryParse(hostname, out var ip)
            ? ip
            : throw new ArgumentException($"AkkaRpc:Gateway:Hostname '{hostname}' must be an IP address, localhost or 0.0.0.0"),
    };
}
