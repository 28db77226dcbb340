namespace AkkaRpc.Gateway.Calls;

/// <summary>How a payload is encoded on the way in (and the response on the way out).</summary>
public enum PayloadFormat
{
    /// <summary>JSON, camelCase property names (HTTP, and gRPC's <c>json</c> field).</summary>
    Json,
    /// <summary>MessagePack as the cluster's serializer writes the record (gRPC's <c>msgpack</c> field).</summary>
    MessagePack,
}

/// <summary>One call as a protocol adapter (HTTP or gRPC) hands it to <see cref="GatewayCaller"/>.</summary>
/// <param name="Service">Service name from the route or message.</param>
/// <param name="Method">Method name.</param>
/// <param name="Key">The key the caller says the call is for; null when not given. Must match the payload's key.</param>
/// <param name="Payload">The encoded request record.</param>
/// <param name="Format">Its encoding.</param>
/// <param name="IdempotencyKey">The caller's idempotency key; null when not given (one is generated).</param>
/// <param name="Timeout">Time the caller grants the call; null for the cluster's default.</param>
public sealed record GatewayRequest(
    string Service,
    string Method,
    string? Key,
    ReadOnlyMemory<byte> Payload,
    PayloadFormat Format,
    string? IdempotencyKey,
    TimeSpan? Timeout);

/// <summary>What a gateway call produced: the encoded response, or a typed error.</summary>
/// <param name="Response">The encoded response when the call succeeded.</param>
/// <param name="Error">The error otherwise.</param>
/// <param name="Attempts">Attempts the client made (0 when the gateway refused the call itself).</param>
/// <param name="ServedBy">Cluster address of the node that answered, when one did.</param>
public sealed record GatewayResult(byte[]? Response, RpcError? Error, int Attempts, string? ServedBy)
{
    /// <summary>A refusal by the gateway itself: nothing was sent to the cluster.</summary>
    public static GatewayResult Refused(RpcError error) => new(null, error, 0, null);
}
