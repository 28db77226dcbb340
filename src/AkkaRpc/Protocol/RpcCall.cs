using Akka.Routing;

namespace AkkaRpc.Protocol;

/// <summary>
/// One attempt of one call, as it travels from the client to the entity or worker. The request id is the
/// idempotency key (the same for every attempt of a call); the call id correlates this attempt's reply.
/// </summary>
internal sealed class RpcCall : IRpcMessage, IConsistentHashable
{
    public RpcCall(long callId, string requestId, string service, string? entityKey, string? hashKey,
        long deadlineUnixMs, int attempt, IRpcRequest request, long sentUnixMs = 0, int attemptTimeoutMs = 0)
    {
        SentUnixMs = sentUnixMs;
        AttemptTimeoutMs = attemptTimeoutMs;
        CallId = callId;
        RequestId = requestId;
        Service = service;
        EntityKey = entityKey;
        HashKey = hashKey;
        DeadlineUnixMs = deadlineUnixMs;
        Attempt = attempt;
        Request = request;
    }

    /// <summary>Correlates the reply with this attempt; unique per client.</summary>
    public long CallId { get; }

    /// <summary>Idempotency key, shared by all attempts of one call.</summary>
    public string RequestId { get; }

    public string Service { get; }

    /// <summary>Set for entity requests: the entity that owns the call.</summary>
    public string? EntityKey { get; }

    /// <summary>Set for stateless requests that want affinity.</summary>
    public string? HashKey { get; }

    /// <summary>Absolute deadline (Unix milliseconds, wall clock): the server drops work past it.</summary>
    public long DeadlineUnixMs { get; }

    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; }

    public IRpcRequest Request { get; }

    /// <summary>When the client sent this attempt (Unix ms, wall clock; 0 = unknown): lets a node see how long the
    /// call waited in queues and shed it while that is still cheap.</summary>
    public long SentUnixMs { get; }

    /// <summary>How long the client waits for this attempt (0 = unknown). After that nobody waits for the answer:
    /// the client has retried or given up, so the work is dropped instead of done.</summary>
    public int AttemptTimeoutMs { get; }

    /// <summary>
    /// Local only, never serialized: which node on the key's ring to use — 0 the key's own node, 1 the next distinct
    /// node (a hedge or fork), and so on. Read by the stateless routing logic.
    /// </summary>
    public int RouteIndex { get; init; }

    /// <summary>Local only: the node the stateless routing logic picked (set while the call is routed, on the
    /// sender's thread), so the client can charge the attempt's outcome to that node.</summary>
    public string? RoutedTo { get; set; }

    // Without a hash key the request id spreads calls evenly and keeps retries of one call on one node.
    object IConsistentHashable.ConsistentHashKey => HashKey ?? RequestId;
}
