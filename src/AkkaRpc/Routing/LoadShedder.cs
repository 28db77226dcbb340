using AkkaRpc.Client;
using AkkaRpc.Protocol;

using AkkaRpc.Diagnostics;

namespace AkkaRpc.Routing;

/// <summary>Load-shedding limits of a node (section <c>AkkaRpc:LoadShedding</c>).</summary>
public sealed class LoadSheddingOptions
{
    /// <summary>
    /// A call that waited longer than this between the client and its entity or worker is refused with
    /// ResourceExhausted and a retry-after hint: the node is behind, and more queueing only turns into timeouts.
    /// Above the usual attempt timeout on purpose: calls buffered while a shard moves (a failover) wait seconds for a
    /// good reason, and an attempt the client already gave up on is dropped by the expiry rule anyway.
    /// </summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most writes a node keeps waiting on the journal at once; past it new writes are refused at once.</summary>
    public int MaxInFlightWrites { get; set; } = 10_000;
}

/// <summary>
/// Decides, per call and node, whether work is still worth doing: nobody waits for an attempt whose client-side
/// timeout has passed (it was retried or given up), and a node that is behind refuses new work fast instead of
/// queueing it. Times are wall clock on both sides (NTP-synchronised nodes assumed; skew adds to measured delays).
/// </summary>
internal sealed class LoadShedder
{
    private readonly LoadSheddingOptions _options;
    private readonly TimeProvider _time;
    private readonly RpcMetrics? _metrics;
    private int _writesInFlight;

    public LoadShedder(LoadSheddingOptions options, TimeProvider time, RpcMetrics? metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
    }

    public static LoadShedder Unlimited(TimeProvider time) =>
        new(new LoadSheddingOptions { MaxQueueDelay = TimeSpan.MaxValue, MaxInFlightWrites = int.MaxValue }, time, null);

    public int WritesInFlight => Volatile.Read(ref _writesInFlight);

    /// <summary>Null when the call should be served; otherwise the refusal and its retry-after hint.</summary>
    public (RpcError Error, int RetryAfterMs)? Check(RpcCall call, string service)
    {
        // The deadline itself is the entity's and worker's own first check; this is only about queueing.
        if (call.SentUnixMs <= 0) return null;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var waited = now - call.SentUnixMs;
        if (call.AttemptTimeoutMs > 0 && waited > call.AttemptTimeoutMs)
            return Shed(service, "expired", RpcError.Unavailable(
                $"attempt {call.Attempt} expired after waiting {waited} ms in queues; nothing was applied"), 0);
        if (waited > _options.MaxQueueDelay.TotalMilliseconds)
            return Shed(service, "queue", new RpcError(RpcStatusCode.ResourceExhausted,
                $"the node is overloaded: the request waited {waited} ms in queues (limit {_options.MaxQueueDelay.TotalMilliseconds:0} ms); nothing was applied"),
                (int)Math.Clamp(waited / 2, 50, 2000));
        return null;
    }

    /// <summary>Takes a write slot; the refusal when the node has too many writes in flight.</summary>
    public (RpcError Error, int RetryAfterMs)? TryEnterWrite(string service)
    {
        if (Interlocked.Increment(ref _writesInFlight) <= _options.MaxInFlightWrites) return null;
        Interlocked.Decrement(ref _writesInFlight);
        return Shed(service, "writes", new RpcError(RpcStatusCode.ResourceExhausted,
            $"the node has {_options.MaxInFlightWrites} writes waiting on the journal; nothing was applied"), 200);
    }

    public void ExitWrite() => Interlocked.Decrement(ref _writesInFlight);

    private (RpcError, int) Shed(string service, string reason, RpcError error, int retryAfterMs)
    {
        _metrics?.Shed.Add(1, new KeyValuePair<string, object?>("rpc.service", service), new KeyValuePair<string, object?>("rpc.reason", reason));
        return (error, retryAfterMs);
    }
}
