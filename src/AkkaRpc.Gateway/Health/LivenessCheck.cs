using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AkkaRpc.Gateway.Health;

/// <summary>Live while the actor system runs: a node whose actor system terminated should be restarted.</summary>
public sealed class LivenessCheck : IHealthCheck
{
    /// <summary>Tag of the checks behind <c>/health/live</c> and the gRPC service <c>liveness</c>.</summary>
    public const string Tag = "live";

    private readonly ActorSystem _system;

    /// <summary>Checks <paramref name="system"/>.</summary>
    public LivenessCheck(ActorSystem system) => _system = system;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_system.WhenTerminated.IsCompleted
            ? HealthCheckResult.Unhealthy("the actor system has terminated")
            : HealthCheckResult.Healthy("the actor system runs"));
}
