namespace AkkaRpc.Stateless;

/// <summary>
/// Defines a stateless RPC service: one handler per request type. Workers on every node with the service's role
/// run the handlers; a consistent-hash router picks the node by the request's hash key. Handlers run on a worker
/// actor's thread: synchronous handlers should be CPU-bound and short; I/O belongs in <see cref="OnAsync{TRequest,TResponse}"/>.
/// </summary>
public abstract class RpcService
{
    private readonly Dictionary<Type, StatelessHandler> _handlers = new();

    /// <summary>Creates the definition of service <paramref name="service"/>.</summary>
    protected RpcService(string service)
    {
        if (!Serialization.WireTypes.IsValidName(service))
            throw new ArgumentException($"'{service}' is not a valid service name", nameof(service));
        Service = service;
    }

    /// <summary>The service name every handled request declares in its <see cref="RpcMethodAttribute"/>.</summary>
    public string Service { get; }

    /// <summary>Registers a synchronous handler.</summary>
    protected void On<TRequest, TResponse>(Func<TRequest, RpcOutcome<TResponse>> handler)
        where TRequest : IRpcRequest<TResponse>, IStatelessRequest
        where TResponse : IRpcMessage =>
        Add<TRequest>(isAsync: false, (request, _) =>
        {
            var outcome = handler((TRequest)request);
            return ValueTask.FromResult<(IRpcMessage?, RpcError?)>((outcome.Value, outcome.Error));
        });

    /// <summary>Registers an asynchronous handler; the token fires at the call's deadline.</summary>
    protected void OnAsync<TRequest, TResponse>(Func<TRequest, CancellationToken, Task<RpcOutcome<TResponse>>> handler)
        where TRequest : IRpcRequest<TResponse>, IStatelessRequest
        where TResponse : IRpcMessage =>
        Add<TRequest>(isAsync: true, async (request, token) =>
        {
            var outcome = await handler((TRequest)request, token).ConfigureAwait(false);
            return (outcome.Value, outcome.Error);
        });

    private void Add<TRequest>(bool isAsync, Func<IRpcRequest, CancellationToken, ValueTask<(IRpcMessage?, RpcError?)>> handler)
    {
        var method = Serialization.WireTypes.MethodOf(typeof(TRequest));
        if (method.Service != Service)
            throw new ArgumentException($"{typeof(TRequest).Name} belongs to service '{method.Service}', not '{Service}'");
        if (!_handlers.TryAdd(typeof(TRequest), new StatelessHandler(isAsync, handler)))
            throw new ArgumentException($"{typeof(TRequest).Name} has two handlers in {GetType().Name}");
    }

    internal IReadOnlyCollection<Type> RequestTypes => _handlers.Keys;

    internal StatelessHandler? HandlerFor(Type requestType) =>
        _handlers.GetValueOrDefault(requestType);
}

/// <summary>A registered handler; only asynchronous ones get a deadline token (a timer per call is not free).</summary>
internal sealed record StatelessHandler(
    bool IsAsync, Func<IRpcRequest, CancellationToken, ValueTask<(IRpcMessage? Value, RpcError? Error)>> Invoke);
