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
// Lists from configuration are merged by index; an explicit empty list on the command line is "--AkkaRpc:SeedNodes:0=".
options.SeedNodes = options.SeedNodes.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct().ToArray();
options.Roles = options.Roles.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct().ToArray();

builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddAkka(options.ClusterName, akka => akka
    .ConfigureLoggers(logging => logging.AddLoggerFactory())
    .WithAkkaRpc(options, rpc => rpc.AddSampleServices()));
builder.Services.AddAkkaRpcClient();

using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AkkaRpc.Node");
log.LogInformation("Starting node {Host}:{Port} pid {Pid} roles [{Roles}] seeds [{Seeds}] journal {Journal}",
    options.Hostname, options.Port, Environment.ProcessId, string.Join(",", options.Roles),
    string.Join(",", options.SeedNodes), options.Persistence.Provider);
await host.RunAsync();
