namespace AkkaRpc.Entities;

/// <summary>
/// The untyped view of an entity definition that the runtime actor works with. Derive from
/// <see cref="RpcEntity{TState}"/>, not from this class.
/// </summary>
public abstract class RpcEntity
{
    private protected RpcEntity(string service)
    {
        if (!Serialization.WireTypes.IsValidName(service))
            throw new ArgumentException($"'{service}' is not a valid service name", nameof(service));
        Service = service;
    }

    /// <summary>The service name; also the shard region's type name.</summary>
    public string Service { get; }

    internal abstract IReadOnlyCollection<Type> RequestTypes { get; }
    internal abstract IRpcMessage CreateInitialState(string entityKey);
    internal abstract IRpcMessage ApplyEvent(IRpcMessage state, IRpcMessage @event);

    /// <summary>Null when the service has no handler for the request type.</summary>
    internal abstract EntityOutcome? Decide(IRpcMessage state, IRpcRequest request);
}

/// <summary>An untyped decision: exactly one of error, immediate reply, or events (+ reply computed from the new state).</summary>
internal sealed record EntityOutcome(
    RpcError? Error,
    IRpcMessage? Reply,
    IReadOnlyList<IRpcMessage>? Events,
    Func<object, IRpcMessage>? ReplyFromState);
