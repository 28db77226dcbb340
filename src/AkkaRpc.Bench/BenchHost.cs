using Akka.Hosting;
using AkkaRpc.Bench.Counters;
using AkkaRpc.Bench.RawAkka;
using AkkaRpc.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRpc.Bench;

/// <summary>
/// One benchmark cluster member, the same in every process: AkkaRpc with the counter service, plus the baseline's
/// plain shard region. A member with the service role hosts both; any other (the separate caller) gets proxies.
/// </summary>
internal static class BenchHost
{
    public static IHost Build(HostApplicationBuilder builder, AkkaRpcOptions options, LogLevel logLevel)
    {
        builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(logLevel);
        var hostsShards = options.EffectiveRoles().Contains(AkkaRpcOptions.DefaultServiceRole);
        builder.Services.AddAkka(options.ClusterName, akka =>
        {
            akka.ConfigureLoggers(l => l.AddLoggerFactory())
                .WithAkkaRpc(options, rpc => rpc.AddEntity<CounterEntity>());
            RawCounterRegion.AddTo(akka, hostsShards);
        });
        return builder.Build();
    }
}
