namespace AkkaRpc;

/// <summary>
/// Makes RPC calls into the cluster. Entity requests go to the entity that owns their key wherever it lives;
/// stateless requests go to a worker chosen by consistent hashing. Never throws for a failed call: the result
/// carries a typed error instead.
/// </summary>
public interface IRpcClient
{
    /// <summary>Calls the service that handles <paramref name="request"/>.</summary>
    /// <typeparam name="TResponse">Inferred from the request type.</typeparam>
    /// <param name="request">An <see cref="IEntityRequest"/> or <see cref="IStatelessRequest"/>.</param>
    /// <param name="options">Idempotency key, deadline and policy; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call; the result is then <see cref="RpcStatusCode.Cancelled"/>.</param>
    Task<RpcResult<TResponse>> CallAsync<TResponse>(
        IRpcRequest<TResponse> request,
        CallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TResponse : IRpcMessage;

    /// <summary>
    /// Calls the service that handles <paramref name="request"/> when its response type is known only at run time
    /// (a gateway decoding requests by wire name). Same validation, deadlines, retries and idempotency as
    /// <see cref="CallAsync{TResponse}"/>; the response is checked against the request's declared response type.
    /// </summary>
    /// <param name="request">An <see cref="IEntityRequest"/> or <see cref="IStatelessRequest"/> that implements <see cref="IRpcRequest{TResponse}"/>.</param>
    /// <param name="options">Idempotency key, deadline and policy; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call; the result is then <see cref="RpcStatusCode.Cancelled"/>.</param>
    Task<RpcResult<IRpcMessage>> CallUntypedAsync(
        IRpcRequest request,
        CallOptions? options = null,
        CancellationToken cancellationToken = default);
}
