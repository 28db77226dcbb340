namespace AkkaRpc;

/// <summary>
/// Marker for every type that crosses the wire or lands in the journal: requests, responses, events and entity
/// states. The AkkaRpc serializer is bound to this interface, so a type that carries it must also carry a stable
/// wire name (<see cref="RpcMethodAttribute"/> on requests, <see cref="WireTypeAttribute"/> on everything else).
/// </summary>
public interface IRpcMessage;

/// <summary>A request whose successful answer is a <typeparamref name="TResponse"/>.</summary>
/// <typeparam name="TResponse">The response type the caller receives.</typeparam>
public interface IRpcRequest<TResponse> : IRpcRequest where TResponse : IRpcMessage;

/// <summary>Non-generic view of a request, used where the response type is not known statically.</summary>
public interface IRpcRequest : IRpcMessage;

/// <summary>
/// A request for a stateful service: it is routed to the one live entity that owns <see cref="EntityKey"/>
/// (an account number, a user id) and is applied there, once.
/// </summary>
public interface IEntityRequest : IRpcRequest
{
    /// <summary>The key of the entity that owns this request. Must be non-empty, at most 200 characters, no control characters.</summary>
    string EntityKey { get; }
}

/// <summary>
/// A request for a stateless service. It may name a hash key: requests with the same key go to the same node
/// (cache affinity) for as long as membership does not change. Without one, calls spread over all nodes.
/// </summary>
public interface IStatelessRequest : IRpcRequest
{
    /// <summary>The affinity key, or <c>null</c> to let the call go anywhere.</summary>
    string? HashKey { get; }
}
