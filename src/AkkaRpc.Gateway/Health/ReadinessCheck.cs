using Akka.Actor;
using Akka.Cluster;
using AkkaRpc.Client;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRpc.Gateway.Health;

/// <summary>
/// Ready when this node can serve calls: it is an Up member of the cluster, AkkaRpc has started its regions and
/// routers, and the journal answers a query. A load balancer sends traffic only to ready nodes.
/// </summary>
public sealed class ReadinessCheck : IHealthCheck
{
    /// <summary>Tag of the checks behind <c>/health/ready</c> and the gRPC overall status (service "").</summary>
    public const string Tag = "ready";

    private readonly ActorSystem _system;
    private readonly GatewayOptions _options;

    /// <summary>Checks <paramref name="system"/>.</summary>
    public ReadinessCheck(ActorSystem system, GatewayOptions options)
    {
        _system = system;
        _options = options;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_system.WhenTerminated.IsCompleted) return HealthCheckResult.Unhealthy("the actor system has terminated");
        var self = Cluster.Get(_system).SelfMember;
        if (self.Status != MemberStatus.Up)
            return HealthCheckResult.Unhealthy($"this node is {self.Status} in the cluster, not Up");
        if (!AkkaRpcRuntime.Get(_system).Started.IsCompletedSuccessfully)
            return HealthCheckResult.Unhealthy("AkkaRpc has not started its services yet");
        var journalProblem = await JournalProbe.CheckAsync(
            _system, TimeSpan.FromMilliseconds(_options.JournalProbeTimeoutMs), cancellationToken).ConfigureAwait(false);
        return journalProblem is null
            ? HealthCheckResult.Healthy("member Up, services started, journal answers")
            : HealthCheckResult.Unhealthy(journalProblem);
    }
}
