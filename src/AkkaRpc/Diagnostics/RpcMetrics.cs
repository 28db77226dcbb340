using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace AkkaRpc.Diagnostics;

/// <summary>
/// A node's AkkaRpc instruments (System.Diagnostics.Metrics, meter <c>AkkaRpc</c>): what its client sent and how it
/// went (calls, errors and latency by service, method and code; attempts, retries, throttled retries, hedges, failback
/// resends, breaker state), what load shedding refused, what its entities cost the journal, and the failovers
/// (members downed) and unreachability it saw. One meter instance per
/// actor system, so several nodes in one process keep separate numbers; exporters subscribe by name (the node exports
/// through OpenTelemetry on the gateway's <c>/metrics</c>).
/// </summary>
public sealed class RpcMetrics : IDisposable
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "AkkaRpc";

    // Seconds from 0.5 ms to 10 s: the default buckets assume milliseconds and would put every call in the first one.
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _breakers = new();
    private readonly Counter<long> _calls;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _journalWrite;
    private readonly Histogram<double> _recovery;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _unreachable;
    private readonly Counter<long> _deadProcessDowns;

    internal RpcMetrics()
    {
        Meter = new Meter(MeterName, "1.0");
        _calls = Meter.CreateCounter<long>("akkarpc.client.calls", "{call}", "Calls completed by this node's client, by service, method and status code");
        _errors = Meter.CreateCounter<long>("akkarpc.client.errors", "{call}", "Calls that ended in an error, by service, method and status code");
        _duration = Meter.CreateHistogram<double>("akkarpc.client.duration", "s", "Time from the first attempt to the final answer, retries and backoff included", tags: null, advice: LatencyBuckets);
        Attempts = Meter.CreateCounter<long>("akkarpc.client.attempts", "{attempt}", "Attempts sent");
        Retries = Meter.CreateCounter<long>("akkarpc.client.retries", "{attempt}", "Attempts after the first");
        ThrottledRetries = Meter.CreateCounter<long>("akkarpc.client.retries.throttled", "{attempt}", "Retries refused by the retry budget");
        Hedges = Meter.CreateCounter<long>("akkarpc.client.hedges", "{attempt}", "Hedged and forked attempts to another node");
        FailbackResends = Meter.CreateCounter<long>("akkarpc.client.failback.resends", "{attempt}", "Background resends of failback calls");
        Shed = Meter.CreateCounter<long>("akkarpc.server.shed", "{call}", "Requests refused by load shedding, by reason");
        _journalWrite = Meter.CreateHistogram<double>("akkarpc.entity.journal_write.duration", "s", "Time from Persist to the durable journal row, per service", tags: null, advice: LatencyBuckets);
        _recovery = Meter.CreateHistogram<double>("akkarpc.entity.recovery.duration", "s", "Time an entity took to recover from snapshot and journal, per service", tags: null, advice: LatencyBuckets);
        _failovers = Meter.CreateCounter<long>("akkarpc.cluster.failovers", "{member}", "Members this node saw downed: each one's shards were re-allocated to the survivors");
        _unreachable = Meter.CreateCounter<long>("akkarpc.cluster.unreachable", "{event}", "Times this node saw a member become unreachable");
        _deadProcessDowns = Meter.CreateCounter<long>("akkarpc.cluster.dead_process_downs", "{member}",
            "Members this node downed because their process was gone (connection closed, port refused twice)");
        Meter.CreateObservableGauge("akkarpc.client.breaker.state", ObserveBreakers,
            description: "Circuit breaker per service: 0 closed, 1 open, 2 half-open, 3 isolated");
    }

    /// <summary>The meter of this node.</summary>
    public Meter Meter { get; }

    internal Counter<long> Attempts { get; }
    internal Counter<long> Retries { get; }
    internal Counter<long> ThrottledRetries { get; }
    internal Counter<long> Hedges { get; }
    internal Counter<long> FailbackResends { get; }
    internal Counter<long> Shed { get; }

    /// <summary>The breaker state of <paramref name="service"/>, or null before its first call.</summary>
    public CircuitState? BreakerState(string service) => _breakers.TryGetValue(service, out var p) ? p.CircuitState : null;

    internal void TrackBreaker(string service, CircuitBreakerStateProvider state) => _breakers[service] = state;

    internal void RecordCall(string service, string method, RpcStatusCode code, TimeSpan elapsed, int attempts)
    {
        var tags = new TagList { { "rpc.service", service }, { "rpc.method", method }, { "rpc.code", code.ToString() } };
        _calls.Add(1, tags);
        if (code != RpcStatusCode.Ok) _errors.Add(1, tags);
        // Calls rejected before any attempt took no time worth a latency sample.
        if (attempts > 0) _duration.Record(elapsed.TotalSeconds, tags);
    }

    internal void RecordJournalWrite(string service, TimeSpan elapsed) =>
        _journalWrite.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("rpc.service", service));

    internal void RecordRecovery(string service, TimeSpan elapsed) =>
        _recovery.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("rpc.service", service));

    internal void RecordFailover(string member) =>
        _failovers.Add(1, new KeyValuePair<string, object?>("member", member));

    internal void RecordDeadProcessDown(string member) =>
        _deadProcessDowns.Add(1, new KeyValuePair<string, object?>("member", member));

    internal void RecordUnreachable(string member) =>
        _unreachable.Add(1, new KeyValuePair<string, object?>("member", member));

    private IEnumerable<Measurement<int>> ObserveBreakers() =>
        _breakers.Select(b => new Measurement<int>((int)b.Value.CircuitState, new KeyValuePair<string, object?>("rpc.service", b.Key)));

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();
}
