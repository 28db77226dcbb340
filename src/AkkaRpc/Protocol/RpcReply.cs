namespace AkkaRpc.Protocol;

/// <summary>The answer to one <see cref="RpcCall"/> attempt: a response, or a status code and message.</summary>
internal sealed class RpcReply : IRpcMessage
{
    public RpcReply(long callId, RpcStatusCode code, string? message, IRpcMessage? response, string? servedBy, bool deduplicated, int retryAfterMs = 0)
    {
        RetryAfterMs = retryAfterMs;
        CallId = callId;
        Code = code;
        Message = message;
        Response = response;
        ServedBy = servedBy;
        Deduplicated = deduplicated;
    }

    public long CallId { get; }
    public RpcStatusCode Code { get; }
    public string? Message { get; }
    public IRpcMessage? Response { get; }

    /// <summary>Address of the node that answered.</summary>
    public string? ServedBy { get; }

    /// <summary>True when an entity answered from its memory of an already applied request id.</summary>
    public bool Deduplicated { get; }

    /// <summary>Pushback: do not retry sooner than this (0 = no advice). Sent with ResourceExhausted and Unavailable.</summary>
    public int RetryAfterMs { get; }

    public static RpcReply Ok(long callId, IRpcMessage response, string servedBy, bool deduplicated = false) =>
        new(callId, RpcStatusCode.Ok, null, response, servedBy, deduplicated);

    public static RpcReply Fail(long callId, RpcError error, string servedBy, int retryAfterMs = 0) =>
        new(callId, error.Code, error.Message, null, servedBy, false, retryAfterMs);
}
