namespace AkkaRpc.Entities;

/// <summary>
/// Defines a stateful RPC service as pure functions over an immutable state: for each request type a handler
/// validates the request against the state and decides (reply, persist events, or reject), and
/// <see cref="Apply"/> folds one event into the state. The runtime actor does the rest: one live instance per key
/// somewhere in the cluster, events persisted before the reply, request ids remembered so a retried write applies
/// once, snapshots, recovery. Handlers must not block, do I/O or keep mutable state: the same instance serves
/// every entity of the service, and replay must reach the same state.
/// </summary>
/// <typeparam name="TState">Immutable state, serializable (it is snapshotted): mark it <c>[WireType]</c>.</typeparam>
public abstract class RpcEntity<TState> : RpcEntity where TState : class, IRpcMessage
{
    private readonly Dictionary<Type, Func<object, IRpcRequest, EntityOutcome>> _handlers = new();

    /// <summary>Creates the definition of service <paramref name="service"/>.</summary>
    /// <param name="service">The service name every handled request declares in its <see cref="RpcMethodAttribute"/>.</param>
    protected RpcEntity(string service) : base(service) { }

    /// <summary>The state of an entity that has no events yet.</summary>
    /// <param name="entityKey">The entity's key.</param>
    public abstract TState CreateInitial(string entityKey);

    /// <summary>Applies one persisted event to <paramref name="state"/>. Pure and total: replay calls it too.</summary>
    public abstract TState Apply(TState state, IRpcMessage @event);

    /// <summary>Registers the handler of one request type.</summary>
    /// <typeparam name="TRequest">The request type; must belong to this service.</typeparam>
    /// <typeparam name="TResponse">Its response type.</typeparam>
    /// <param name="handler">Pure decision function of (state, request).</param>
    protected void On<TRequest, TResponse>(Func<TState, TRequest, EntityDecision<TResponse>> handler)
        where TRequest : IRpcRequest<TResponse>, IEntityRequest
        where TResponse : IRpcMessage
    {
        var method = Serialization.WireTypes.MethodOf(typeof(TRequest));
        if (method.Service != Service)
            throw new ArgumentException($"{typeof(TRequest).Name} belongs to service '{method.Service}', not '{Service}'");
        if (!_handlers.TryAdd(typeof(TRequest), (state, request) => Wrap(handler((TState)state, (TRequest)request))))
            throw new ArgumentException($"{typeof(TRequest).Name} has two handlers in {GetType().Name}");
    }

    /// <summary>Replies without changing state (a read).</summary>
    protected static EntityDecision<TResponse> Reply<TResponse>(TResponse response) where TResponse : IRpcMessage =>
        new(null, response ?? throw new ArgumentNullException(nameof(response)), null, null);

    /// <summary>Persists one event, applies it, and replies with <paramref name="reply"/> of the new state.</summary>
    protected static EntityDecision<TResponse> Persist<TResponse>(IRpcMessage @event, Func<TState, TResponse> reply)
        where TResponse : IRpcMessage =>
        Persist([@event], reply);

    /// <summary>Persists several events atomically (one journal row), applies them in order, then replies.</summary>
    protected static EntityDecision<TResponse> Persist<TResponse>(IReadOnlyList<IRpcMessage> events, Func<TState, TResponse> reply)
        where TResponse : IRpcMessage
    {
        if (events is null || events.Count == 0) throw new ArgumentException("Persist needs at least one event", nameof(events));
        return new(null, default, events, state => reply((TState)state));
    }

    private EntityOutcome Wrap<TResponse>(EntityDecision<TResponse> decision) where TResponse : IRpcMessage
    {
        if (decision.Error is not null) return new EntityOutcome(decision.Error, null, null, null);
        if (decision.Events is null) return new EntityOutcome(null, decision.Reply, null, null);
        return new EntityOutcome(null, null, decision.Events, s => decision.ReplyFromState!(s));
    }

    // ---- the untyped view the runtime actor uses ----

    internal override IReadOnlyCollection<Type> RequestTypes => _handlers.Keys;

    internal override IRpcMessage CreateInitialState(string entityKey) => CreateInitial(entityKey);

    internal override IRpcMessage ApplyEvent(IRpcMessage state, IRpcMessage @event) => Apply((TState)state, @event);

    internal override EntityOutcome? Decide(IRpcMessage state, IRpcRequest request) =>
        _handlers.TryGetValue(request.GetType(), out var handler) ? handler(state, request) : null;
}
