using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Akka.Hosting;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Hosting;
using AkkaRpc.Sample;

// A cluster node: binds AkkaRpc options from appsettings.json, then AkkaRpc__* environment variables, then
// --AkkaRpc:* arguments (last wins), hosts the sample services and the gateway (Kestrel next to Akka), and leaves
// the cluster gracefully on SIGTERM (the host stops Akka, whose coordinated shutdown hands the node's shards to the
// survivors).
// appsettings.json is read from the program's folder, whatever the working directory (which holds the SQLite file).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var options = builder.Configuration.GetSection(AkkaRpcOptions.Section).Get<AkkaRpcOptions>() ?? new AkkaRpcOptions();
var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
// Lists from configuration sources are merged by index (--AkkaRpc:SeedNodes:1=... adds a second seed); blank and
// repeated entries are ignored by the options.

builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddAkka(options.ClusterName, akka => akka
    .ConfigureLoggers(logging => logging.AddLoggerFactory())
    .WithAkkaRpc(options, rpc => rpc.AddSampleServices()));
builder.Services.AddAkkaRpcClient();
builder.AddAkkaRpcGateway(gateway);

await using var app = builder.Build();
app.MapAkkaRpcGateway();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AkkaRpc.Node");
log.LogInformation("Starting node {Host}:{Port} pid {Pid} roles [{Roles}] seeds [{Seeds}] journal {Journal} gateway {Gateway}",
    options.Hostname, options.Port, Environment.ProcessId, string.Join(",", options.EffectiveRoles()),
    string.Join(",", options.SeedNodes), options.Persistence.Provider,
    gateway.Enabled ? $"http {gateway.Hostname}:{gateway.HttpPort} grpc {gateway.Hostname}:{gateway.GrpcPort}" : "off");
await app.RunAsync();
