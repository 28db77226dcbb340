using AkkaRpc.Routing;

namespace AkkaRpc.Client;

/// <summary>Everything one call's attempts share; carried through the Polly pipeline in the resilience context.</summary>
internal sealed class CallState
{
    public required ServiceEndpoint Endpoint { get; init; }
    public required IRpcRequest Request { get; init; }
    public required string RequestId { get; init; }
    public required string? EntityKey { get; init; }
    public required string? HashKey { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    public required CallPolicy Policy { get; init; }
    public required RetryBudget Budget { get; init; }

    /// <summary>Which distinct node on the key's ring this call goes to (broadcast members); 0 = the key's own.</summary>
    public int RouteIndex { get; init; }

    /// <summary>The shard of an entity call when its service has shard hints (batching on); -1 otherwise.</summary>
    public int Shard { get; init; } = -1;

    /// <summary>Attempts sent so far.</summary>
    public int Attempts;

    /// <summary>Times the circuit breaker refused an attempt (nothing sent); they count towards the attempt limit.</summary>
    public int BreakerRejections;

    /// <summary>The wait before the next attempt, decided together with whether to retry.</summary>
    public TimeSpan NextDelay;

    /// <summary>True when the retry budget refused a retry.</summary>
    public bool Throttled;

    /// <summary>The attempt timeout of the attempt in flight (for the error message).</summary>
    public TimeSpan LastAttemptTimeout;

    public string? LastServedBy;
}
