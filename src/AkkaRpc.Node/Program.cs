using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Akka.Hosting;
using AkkaRpc.Hosting;
using AkkaRpc.Sample;

// A cluster node: binds AkkaRpc options from appsettings.json, then AkkaRpc__* environment variables, then
// --AkkaRpc:* arguments (last wins), hosts the sample services, and leaves the cluster gracefully on SIGTERM
// (the generic host stops Akka, whose coordinated shutdown hands the node's shards to the survivors).
var builder = Host.CreateApplicationBuilder(args);
var options = builder.Configuration.GetSection(AkkaRpcOptions.Section).Get<AkkaRpcOptions>() ?? new AkkaRpcOptions();
// Lists from configuration sources are merged by index (--AkkaRpc:SeedNodes:1=... adds a second seed); blank and
// repeated entries are ignored by the options.

builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddAkka(options.ClusterName, akka => akka
    .ConfigureLoggers(logging => logging.AddLoggerFactory())
    .WithAkkaRpc(options, rpc => rpc.AddSampleServices()));
builder.Services.AddAkkaRpcClient();

using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AkkaRpc.Node");
log.LogInformation("Starting node {Host}:{Port} pid {Pid} roles [{Roles}] seeds [{Seeds}] journal {Journal}",
    options.Hostname, options.Port, Environment.ProcessId, string.Join(",", options.EffectiveRoles()),
    string.Join(",", options.SeedNodes), options.Persistence.Provider);
await host.RunAsync();
