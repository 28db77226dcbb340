using AkkaRpc.Client;
using AkkaRpc.Gateway.Hosting;

namespace AkkaRpc.Gateway.Calls;

/// <summary>
/// The one call path behind both protocols: name → request type, payload → record, caller's key, idempotency key
/// and deadline checked, then the node's <see cref="IRpcClient"/>. Everything the gateway refuses is refused here,
/// before anything reaches the cluster, so HTTP and gRPC callers get the same answers for the same mistakes.
/// </summary>
public sealed class GatewayCaller
{
    /// <summary>Longest idempotency key (the client's request id bound).</summary>
    public const int MaxIdempotencyKeyLength = 128;

    private readonly IRpcClient _client;
    private readonly AkkaRpcRuntime _runtime;
    private readonly GatewayOptions _options;

    /// <summary>Creates the caller over the node's client.</summary>
    public GatewayCaller(IRpcClient client, AkkaRpcRuntime runtime, GatewayOptions options)
    {
        _client = client;
        _runtime = runtime;
        _options = options;
    }

    /// <summary>Validates, decodes and sends one call; never throws for bad input.</summary>
    public async Task<GatewayResult> CallAsync(GatewayRequest call, CancellationToken cancellationToken)
    {
        // A type may be loaded for a service this node does not serve (a shared contracts assembly): unknown here.
        var requestType = _runtime.Services.Contains(call.Service)
            ? Serialization.RpcPayloads.RequestTypeOf(call.Service, call.Method)
            : null;
        if (requestType is null)
            return GatewayResult.Refused(RpcError.Unimplemented(_runtime.Services.Contains(call.Service)
                ? $"service '{call.Service}' has no method '{Printable(call.Method)}'"
                : $"unknown service '{Printable(call.Service)}'"));

        if (IdempotencyKeyProblem(call.IdempotencyKey) is { } keyProblem)
            return GatewayResult.Refused(RpcError.InvalidArgument(keyProblem));

        if (call.Timeout is { } timeout && timeout > TimeSpan.FromMilliseconds(_options.MaxTimeoutMs))
            return GatewayResult.Refused(RpcError.InvalidArgument(
                $"the deadline is {timeout.TotalMilliseconds:0} ms away; at most {_options.MaxTimeoutMs} ms is accepted"));
        if (call.Timeout is { } spent && spent <= TimeSpan.Zero)
            return GatewayResult.Refused(RpcError.DeadlineExceeded("the deadline had passed when the call reached the gateway"));

        var (request, decodeError) = RequestDecoder.Decode(requestType, call.Payload, call.Format);
        if (decodeError is not null) return GatewayResult.Refused(decodeError);

        var payloadKey = request switch
        {
            IEntityRequest entity => entity.EntityKey,
            IStatelessRequest stateless => stateless.HashKey,
            _ => null,
        };
        if (call.Key is not null && !string.Equals(call.Key, payloadKey, StringComparison.Ordinal))
            return GatewayResult.Refused(RpcError.InvalidArgument(
                $"the key '{Printable(call.Key)}' does not match the payload's key '{Printable(payloadKey ?? "")}'"));

        var result = await _client.CallUntypedAsync(request!, new CallOptions
        {
            RequestId = call.IdempotencyKey,
            Timeout = call.Timeout,
        }, cancellationToken).ConfigureAwait(false);

        return result.IsOk
            ? new GatewayResult(RequestDecoder.Encode(result.Value, call.Format), null, result.Attempts, result.ServedBy)
            : new GatewayResult(null, result.Error, result.Attempts, result.ServedBy);
    }

    /// <summary>Null when <paramref name="key"/> is absent or usable; otherwise why it is not.</summary>
    public static string? IdempotencyKeyProblem(string? key)
    {
        if (key is null) return null;
        if (key.Length == 0 || string.IsNullOrWhiteSpace(key)) return "the idempotency key is empty; omit it to have one generated";
        if (key.Length > MaxIdempotencyKeyLength)
            return $"the idempotency key is {key.Length} characters long; at most {MaxIdempotencyKeyLength} are accepted";
        if (key.Any(char.IsControl)) return "the idempotency key contains control characters";
        return null;
    }

    // Echoed names come from the caller: cut them short and strip control characters before they reach a message.
    private static string Printable(string value)
    {
        var clean = new string(value.Where(c => !char.IsControl(c)).Take(64).ToArray());
        return clean.Length < value.Length ? clean + "…" : clean;
    }
}
