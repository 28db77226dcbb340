using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace AkkaRpc.Client;

/// <summary>
/// The node's AkkaRpc instruments (System.Diagnostics.Metrics, meter <c>AkkaRpc</c>): calls and their latency by
/// service and code, attempts, retries, throttled retries, failback resends, breaker state, and shed requests.
/// One meter per actor system, so several nodes in one process keep separate numbers.
/// </summary>
public sealed class RpcMetrics : IDisposable
{
    /// <summary>The meter name to listen to or export.</summary>
    public const string MeterName = "AkkaRpc";

    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _breakers = new();

    internal RpcMetrics()
    {
        Meter = new Meter(MeterName);
        Calls = Meter.CreateCounter<long>("akkarpc.client.calls", description: "Calls completed, by service and status code");
        Duration = Meter.CreateHistogram<double>("akkarpc.client.duration", unit: "ms", description: "Call latency, all attempts included");
        Attempts = Meter.CreateCounter<long>("akkarpc.client.attempts", description: "Attempts sent");
        Retries = Meter.CreateCounter<long>("akkarpc.client.retries", description: "Attempts after the first");
        ThrottledRetries = Meter.CreateCounter<long>("akkarpc.client.retries.throttled", description: "Retries refused by the retry budget");
        Hedges = Meter.CreateCounter<long>("akkarpc.client.hedges", description: "Hedged and forked attempts to another node");
        FailbackResends = Meter.CreateCounter<long>("akkarpc.client.failback.resends", description: "Background resends of failback calls");
        Shed = Meter.CreateCounter<long>("akkarpc.server.shed", description: "Requests refused with ResourceExhausted by load shedding");
        Meter.CreateObservableGauge("akkarpc.client.breaker.state", ObserveBreakers,
            description: "Circuit breaker per service: 0 closed, 1 open, 2 half-open, 3 isolated");
    }

    /// <summary>The meter.</summary>
    public Meter Meter { get; }

    internal Counter<long> Calls { get; }
    internal Histogram<double> Duration { get; }
    internal Counter<long> Attempts { get; }
    internal Counter<long> Retries { get; }
    internal Counter<long> ThrottledRetries { get; }
    internal Counter<long> FailbackResends { get; }
    internal Counter<long> Hedges { get; }
    internal Counter<long> Shed { get; }

    internal void TrackBreaker(string service, CircuitBreakerStateProvider state) => _breakers[service] = state;

    /// <summary>The breaker state of <paramref name="service"/>, or null before its first call.</summary>
    public CircuitState? BreakerState(string service) => _breakers.TryGetValue(service, out var p) ? p.CircuitState : null;

    private IEnumerable<Measurement<int>> ObserveBreakers() =>
        _breakers.Select(b => new Measurement<int>((int)b.Value.CircuitState, new KeyValuePair<string, object?>("service", b.Key)));

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();
}
