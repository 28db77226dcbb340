namespace AkkaRpc.Client;

/// <summary>Client-wide resilience settings: the retry budget and the circuit breakers, per service.</summary>
public sealed record ClientResilienceOptions
{
    /// <summary>Retry budget bucket size per service. gRPC uses 10 per channel; one node's client carries the calls of
    /// many callers at once, so a cold start or one failover (dozens of attempts timing out together) must not empty it.</summary>
    public double RetryBudgetTokens { get; init; } = 100;

    /// <summary>Tokens returned per answered attempt (gRPC default 0.1).</summary>
    public double RetryBudgetRatio { get; init; } = 0.1;

    /// <summary>Retries per second and service allowed even when the bucket is below half (0 = gRPC's rule alone).</summary>
    public double RetryBudgetMinPerSecond { get; init; } = 10;

    /// <summary>Share of failed attempts, within <see cref="BreakerSamplingDuration"/>, that opens a service's breaker.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Fewest attempts in the sampling window before the breaker may open (a handful of failures proves nothing).</summary>
    public int BreakerMinimumThroughput { get; init; } = 20;

    /// <summary>The window over which the failure ratio is measured.</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker fails calls fast before letting one probe through (half-open).</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> on nonsense.</summary>
    public void Validate()
    {
        if (RetryBudgetTokens is <= 0 or > 1000) throw new ArgumentException("RetryBudgetTokens must be in (0, 1000]");
        if (RetryBudgetRatio is <= 0 or > 1) throw new ArgumentException("RetryBudgetRatio must be in (0, 1]");
        if (RetryBudgetMinPerSecond is < 0 or > 10_000) throw new ArgumentException("RetryBudgetMinPerSecond must be in [0, 10000]");
        if (BreakerFailureRatio is <= 0 or > 1) throw new ArgumentException("BreakerFailureRatio must be in (0, 1]");
        if (BreakerMinimumThroughput < 2) throw new ArgumentException("BreakerMinimumThroughput must be at least 2");
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException("BreakerSamplingDuration must be at least 500 ms");
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500)) throw new ArgumentException("BreakerBreakDuration must be at least 500 ms");
    }
}
