using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AkkaRpc.Gateway.Hosting;

/// <summary>
/// The <c>AkkaRpc.Gateway</c> meter: requests per protocol and outcome, including those the gateway refused before
/// they reached the client (which the <c>AkkaRpc</c> meter's call counters never see).
/// </summary>
public static class GatewayMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "AkkaRpc.Gateway";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "akkarpc.gateway.requests", "{request}", "Gateway requests answered, by protocol (http, grpc) and status code.");

    internal static void Record(string protocol, RpcStatusCode code) =>
        Requests.Add(1, new TagList { { "protocol", protocol }, { "rpc.code", code.ToString() } });
}
