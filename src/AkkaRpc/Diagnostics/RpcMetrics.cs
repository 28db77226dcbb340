using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AkkaRpc.Diagnostics;

/// <summary>
/// The <c>AkkaRpc</c> meter (System.Diagnostics.Metrics): what a node's client sent and how it went, and what its
/// entities cost the journal. Any exporter that listens to the meter name sees them; the node exports them through
/// OpenTelemetry on the gateway's <c>/metrics</c> endpoint.
/// </summary>
public static class RpcMetrics
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "AkkaRpc";

    // Static: instruments are process-wide and cheap; a listener filters by meter name, not by instance.
    private static readonly Meter Meter = new(MeterName, "1.0");

    // Seconds from 0.5 ms to 10 s: the default buckets assume milliseconds and would put every call in the first one.
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "akkarpc.client.calls", "{call}", "Calls completed by this node's client, by service, method and status code.");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "akkarpc.client.errors", "{call}", "Calls that ended in an error, by service, method and status code.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "akkarpc.client.duration", "s", "Time from the first attempt to the final answer, retries and backoff included.", tags: null, advice: LatencyBuckets);

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "akkarpc.client.retries", "{attempt}", "Attempts sent again, by service and the code that caused the retry.");

    private static readonly Histogram<double> JournalWrite = Meter.CreateHistogram<double>(
        "akkarpc.entity.journal_write.duration", "s", "Time from Persist to the durable journal row, per service.", tags: null, advice: LatencyBuckets);

    private static readonly Histogram<double> Recovery = Meter.CreateHistogram<double>(
        "akkarpc.entity.recovery.duration", "s", "Time an entity took to recover from snapshot and journal, per service.", tags: null, advice: LatencyBuckets);

    internal static void RecordCall(string service, string method, RpcStatusCode code, TimeSpan elapsed, int attempts)
    {
        var tags = new TagList { { "rpc.service", service }, { "rpc.method", method }, { "rpc.code", code.ToString() } };
        Calls.Add(1, tags);
        if (code != RpcStatusCode.Ok) Errors.Add(1, tags);
        // Calls rejected before any attempt took no time worth a latency sample.
        if (attempts > 0) Duration.Record(elapsed.TotalSeconds, tags);
    }

    internal static void RecordRetry(string service, RpcStatusCode cause) =>
        Retries.Add(1, new TagList { { "rpc.service", service }, { "rpc.code", cause.ToString() } });

    internal static void RecordJournalWrite(string service, TimeSpan elapsed) =>
        JournalWrite.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("rpc.service", service));

    internal static void RecordRecovery(string service, TimeSpan elapsed) =>
        Recovery.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("rpc.service", service));
}
