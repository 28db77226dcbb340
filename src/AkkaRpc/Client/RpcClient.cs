using System.Diagnostics;
using Akka.Actor;
using AkkaRpc.Diagnostics;
using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Serialization;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AkkaRpc.Client;

/// <summary>
/// The <see cref="IRpcClient"/> of a node. Validates the request locally (bad input never leaves the caller),
/// stamps the envelope (request id, absolute deadline, attempt number), and runs the attempts through
/// <see cref="CallPipelines"/>: per-service circuit breaker, attempt timeouts carved from the time left, and retries of
/// what is safe to retry, with capped, fully jittered backoff and a retry budget, all inside the deadline.
/// </summary>
internal sealed class RpcClient : IRpcClient
{
    /// <summary>Longest caller-supplied idempotency key.</summary>
    public const int MaxRequestIdLength = 128;

    private readonly AkkaRpcRuntime _runtime;

    public RpcClient(AkkaRpcRuntime runtime) => _runtime = runtime;

    private TimeProvider Time => _runtime.Time;

    public async Task<RpcResult<TResponse>> CallAsync<TResponse>(
        IRpcRequest<TResponse> request, CallOptions? options = null, CancellationToken cancellationToken = default)
        where TResponse : IRpcMessage =>
        ToResult<TResponse>(await CallCoreAsync(request, typeof(TResponse), options, cancellationToken).ConfigureAwait(false));

    public async Task<RpcResult<IRpcMessage>> CallUntypedAsync(
        IRpcRequest request, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        Type responseType;
        try { responseType = request is null ? typeof(IRpcMessage) : ResponseTypeOf(request.GetType()); }
        catch (ArgumentException e) { return RpcResult<IRpcMessage>.Fail(RpcError.InvalidArgument(e.Message), 0); }
        return ToResult<IRpcMessage>(await CallCoreAsync(request!, responseType, options, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The <c>TResponse</c> of the <see cref="IRpcRequest{TResponse}"/> a request type implements.</summary>
    internal static Type ResponseTypeOf(Type requestType)
    {
        var declared = requestType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRpcRequest<>))
            .Select(i => i.GetGenericArguments()[0])
            .Distinct()
            .ToArray();
        return declared.Length == 1
            ? declared[0]
            : throw new ArgumentException($"{requestType.Name} must implement IRpcRequest<TResponse> exactly once");
    }

    /// <summary>How a call ended, before it is typed for the caller.</summary>
    private readonly record struct CallOutcome(
        IRpcMessage? Response, RpcError? Error, int Attempts, string? ServedBy, RpcError? Swallowed = null, bool ResendScheduled = false);

    private static RpcResult<T> ToResult<T>(CallOutcome o) => o switch
    {
        { Swallowed: { } swallowed } => RpcResult<T>.Fallback((T)o.Response!, swallowed, o.Attempts),
        { Error: { } error, ResendScheduled: true } => RpcResult<T>.FailResending(error, o.Attempts),
        { Error: { } error } => RpcResult<T>.Fail(error, o.Attempts, o.ServedBy),
        _ => RpcResult<T>.Ok((T)o.Response!, o.Attempts, o.ServedBy),
    };

    private async Task<CallOutcome> CallCoreAsync(IRpcRequest request, Type responseType, CallOptions? options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await RunAsync(request, responseType, options, cancellationToken).ConfigureAwait(false);
        if (request is not null && outcome.Attempts > 0 && WireTypes.MethodOf(request.GetType()) is { } method)
            _runtime.Metrics.RecordCall(method.Service, method.Method, outcome.Error?.Code ?? RpcStatusCode.Ok,
                Stopwatch.GetElapsedTime(started), outcome.Attempts);
        return outcome;
    }

    private async Task<CallOutcome> RunAsync(IRpcRequest request, Type responseType, CallOptions? options, CancellationToken cancellationToken)
    {
        var prepared = Prepare(request, options);
        if (prepared.Error is { } invalid) return new CallOutcome(null, invalid, 0, null);
        var (method, entityKey, hashKey, requestId, deadline, policy, _) = prepared;
        if (policy!.Fallback is { } fallback && !responseType.IsInstanceOfType(fallback))
            return new CallOutcome(null, RpcError.InvalidArgument(
                $"the failsafe fallback is a {fallback.GetType().Name}, not a {responseType.Name}"), 0, null);

        if (!await _runtime.WaitUntilStartedAsync(deadline - Time.GetUtcNow(), Time, cancellationToken).ConfigureAwait(false))
            return new CallOutcome(null, RpcError.Unavailable("this node has not started AkkaRpc yet"), 0, null);

        var endpoint = _runtime.Directory.Find(method!.Service);
        if (endpoint is null)
            return new CallOutcome(null, RpcError.Unimplemented($"unknown service '{method.Service}' (not registered on this node)"), 0, null);
        if ((endpoint.Kind == ServiceKind.Entity) != (entityKey is not null))
            return new CallOutcome(null, RpcError.InvalidArgument(
                $"service '{method.Service}' is {(endpoint.Kind == ServiceKind.Entity ? "stateful and needs an IEntityRequest" : "stateless and needs an IStatelessRequest")}"), 0, null);
        if (endpoint.Kind == ServiceKind.Entity && (policy.Mode is FaultMode.Forking or FaultMode.Broadcast || policy.HedgeDelay is not null))
            return new CallOutcome(null, RpcError.InvalidArgument(
                $"hedging, forking and broadcast are for stateless services; '{method.Service}' has one live entity per key"), 0, null);

        var call = new CallState
        {
            Endpoint = endpoint,
            Request = request,
            RequestId = requestId!,
            EntityKey = entityKey,
            HashKey = hashKey,
            Deadline = deadline,
            Policy = policy,
            Budget = _runtime.Pipelines.BudgetFor(endpoint.Service),
            Shard = entityKey is not null && endpoint.Hints is { } hints ? ShardKeys.ShardOf(entityKey, hints.ShardCount) : -1,
        };
        var (reply, error) = policy.Mode == FaultMode.Broadcast
            ? await BroadcastAsync(call, cancellationToken).ConfigureAwait(false)
            : await ExecuteAsync(call, cancellationToken).ConfigureAwait(false);

        if (reply is not null)
        {
            return responseType.IsInstanceOfType(reply.Response)
                ? new CallOutcome(reply.Response, null, call.Attempts, reply.ServedBy)
                : new CallOutcome(null, RpcError.Internal(
                    $"expected a {responseType.Name}, got {reply.Response?.GetType().Name ?? "nothing"}"), call.Attempts, reply.ServedBy);
        }

        switch (policy.Mode)
        {
            case FaultMode.Failsafe:
                return new CallOutcome(policy.Fallback, null, call.Attempts, null, Swallowed: error);
            case FaultMode.Failback when IsWorthResending(error!.Code) && !cancellationToken.IsCancellationRequested:
                return _runtime.Failback.Schedule(call)
                    ? new CallOutcome(null, error with { Message = $"{error.Message}; resending in the background with the same request id" }, call.Attempts, null, ResendScheduled: true)
                    : new CallOutcome(null, error with { Message = $"{error.Message}; the failback queue is full, so it will not be resent" }, call.Attempts, call.LastServedBy);
            default:
                return new CallOutcome(null, error, call.Attempts, call.LastServedBy);
        }
    }

    /// <summary>Runs one call's attempts; exactly one of the two results is set.</summary>
    internal async Task<(RpcReply? Reply, RpcError? Error)> ExecuteAsync(CallState call, CancellationToken cancellationToken)
    {
        // The deadline bounds everything, backoff waits included: its token cancels whatever is in flight.
        using var deadline = new CancellationTokenSource(Max(call.Deadline - Time.GetUtcNow(), TimeSpan.FromMilliseconds(1)), Time);
        // Most callers pass no token: then the deadline's token is enough, and no linked source is allocated per call.
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken) : null;
        var context = ResilienceContextPool.Shared.Get(linked?.Token ?? deadline.Token);
        context.Properties.Set(CallPipelines.StateKey, call);
        Outcome<RpcReply> outcome;
        var pipelines = _runtime.Pipelines;
        var inner = call.Endpoint.Kind == ServiceKind.Stateless && call.Policy.Mode == FaultMode.Forking
            ? pipelines.HedgedPipeline(call.Endpoint.Service, call.Policy.ForkCount - 1)
            : call.Endpoint.Kind == ServiceKind.Stateless && call.Policy.HedgeDelay is not null
                ? pipelines.HedgedPipeline(call.Endpoint.Service, 1)
                : pipelines.ServicePipeline(call.Endpoint.Service);
        try
        {
            outcome = await pipelines.Retry.ExecuteOutcomeAsync(
                static (ctx, state) => state.Inner.ExecuteOutcomeAsync(static (c, s) => s.Self.AttemptAsync(c, s.Call), ctx, state),
                context, (Self: this, Call: call, Inner: inner)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (outcome.Result is { Code: RpcStatusCode.Ok } ok) return (ok, null);
        if (outcome.Result is { } failed)
            return (null, Explain(call, new RpcError(failed.Code, failed.Message ?? failed.Code.ToString())));
        return (null, outcome.Exception switch
        {
            _ when cancellationToken.IsCancellationRequested => new RpcError(RpcStatusCode.Cancelled, "the caller cancelled the call"),
            BrokenCircuitException => RpcError.Unavailable(
                $"the circuit breaker of service '{call.Endpoint.Service}' is open after repeated failures; failing fast (nothing was sent)"),
            TimeoutRejectedException => Explain(call, RpcError.Unavailable(
                $"attempt {call.Attempts} got no answer within {call.LastAttemptTimeout.TotalMilliseconds:0} ms")),
            OperationCanceledException => Explain(call, RpcError.DeadlineExceeded("the deadline passed")),
            { } e => RpcError.Internal($"the client failed: {e.GetType().Name}: {e.Message}"),
            null => RpcError.Internal("the client produced no outcome"),
        });
    }

    /// <summary>
    /// Broadcast: one call per node with the role (the i-th distinct node on the key's ring gets member i), each
    /// with the policy's retries; succeeds only if every node answered Ok, and returns the first node's answer.
    /// </summary>
    private async Task<(RpcReply? Reply, RpcError? Error)> BroadcastAsync(CallState call, CancellationToken cancellationToken)
    {
        int nodes;
        try
        {
            var left = call.Deadline - Time.GetUtcNow();
            var routees = await call.Endpoint.Target.Ask<Akka.Routing.Routees>(Akka.Routing.GetRoutees.Instance, left, cancellationToken).ConfigureAwait(false);
            nodes = routees.Members.Count();
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or AskTimeoutException)
        {
            return (null, RpcError.Unavailable($"could not list the nodes of service '{call.Endpoint.Service}' before the deadline"));
        }
        if (nodes == 0) return (null, RpcError.Unavailable($"no node serves '{call.Endpoint.Service}' right now"));

        var members = Enumerable.Range(0, nodes).Select(i => new CallState
        {
            Endpoint = call.Endpoint,
            Request = call.Request,
            RequestId = call.RequestId,
            EntityKey = call.EntityKey,
            HashKey = call.HashKey,
            Deadline = call.Deadline,
            Policy = call.Policy with { Mode = FaultMode.Failover },
            Budget = call.Budget,
            RouteIndex = i,
        }).ToArray();
        var results = await Task.WhenAll(members.Select(m => ExecuteAsync(m, cancellationToken))).ConfigureAwait(false);
        call.Attempts = members.Sum(m => m.Attempts);
        var failed = results.Select((r, i) => (r.Error, Index: i)).FirstOrDefault(r => r.Error is not null);
        return failed.Error is { } error
            ? (null, error with { Message = $"broadcast to {nodes} nodes: node {failed.Index + 1} failed: {error.Message}" })
            : (results[0].Reply, null);
    }

    private RpcError Explain(CallState call, RpcError error)
    {
        if (error.Code is not (RpcStatusCode.Unavailable or RpcStatusCode.ResourceExhausted or RpcStatusCode.DeadlineExceeded))
            return error;
        var throttled = call.Throttled ? "; the retry budget of the service is spent, so no retry was sent" : "";
        if (Time.GetUtcNow() >= call.Deadline || error.Code == RpcStatusCode.DeadlineExceeded)
            return RpcError.DeadlineExceeded(
                $"no answer within the deadline after {call.Attempts} attempt(s) (last: {error.Message}){throttled}; a write may have been applied: retry with the same request id");
        return error with { Message = $"{error.Message} ({call.Attempts} attempt(s){throttled})" };
    }

    private async ValueTask<Outcome<RpcReply>> AttemptAsync(ResilienceContext context, CallState call)
    {
        var now = Time.GetUtcNow();
        if (now >= call.Deadline)
            return Outcome.FromException<RpcReply>(new OperationCanceledException("deadline passed"));
        var attempt = Interlocked.Increment(ref call.Attempts);
        _runtime.Metrics.Attempts.Add(1, new KeyValuePair<string, object?>("rpc.service", call.Endpoint.Service));

        var (callId, replyTask) = _runtime.Pending.Register(Time.GetTimestamp());
        var message = new RpcCall(callId, call.RequestId, call.Endpoint.Service, call.EntityKey, call.HashKey,
            call.Deadline.ToUnixTimeMilliseconds(), attempt, call.Request, now.ToUnixTimeMilliseconds(),
            (int)Math.Min(int.MaxValue, call.LastAttemptTimeout.TotalMilliseconds))
        {
            RouteIndex = call.RouteIndex + context.Properties.GetValue(CallPipelines.RouteIndexKey, 0),
        };
        // An entity call whose shard last answered from another node goes to that node's batcher (its region delivers
        // or forwards it); without a hint, through this node's region. A stateless router picks the node synchronously,
        // on this thread, and writes it on the message; the breaker step of the service pipeline charges this attempt's
        // outcome to that node.
        var hints = call.Shard >= 0 ? call.Endpoint.Hints : null;
        var route = hints?.Get(call.Shard);
        (route?.Batcher ?? call.Endpoint.Target).Tell(message, _runtime.Correlator);
        context.Properties.Set(CallPipelines.NodeKey, message.RoutedTo ?? "");
        try
        {
            var reply = await replyTask.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            if (hints is not null && reply.ServedBy is { } servedBy) hints.Learn(call.Shard, _runtime.Routes!.RouteTo(servedBy));
            return Outcome.FromResult(reply);
        }
        catch (OperationCanceledException e)
        {
            _runtime.Pending.Forget(callId);
            // No answer through the hint: the retry goes through the region, the authority on where the shard is.
            if (route is not null) hints!.Forget(call.Shard, route);
            return Outcome.FromException<RpcReply>(e);
        }
    }

    /// <summary>Failback resends what may succeed later; a rejection or bad input will never succeed.</summary>
    private static bool IsWorthResending(RpcStatusCode code) =>
        code is RpcStatusCode.Unavailable or RpcStatusCode.ResourceExhausted or RpcStatusCode.DeadlineExceeded;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // A loop, not LINQ over the string: this runs on every call that brings its own key.
    private static bool IsValidRequestId(string id)
    {
        if (id.Length is 0 or > MaxRequestIdLength || string.IsNullOrWhiteSpace(id)) return false;
        foreach (var c in id)
            if (char.IsControl(c)) return false;
        return true;
    }

    private readonly record struct Prepared(
        RpcMethodAttribute? Method, string? EntityKey, string? HashKey, string? RequestId, DateTimeOffset Deadline,
        CallPolicy? Policy, RpcError? Error = null)
    {
        public static Prepared Invalid(RpcError error) => new(null, null, null, null, default, null, error);
    }

    private Prepared Prepare(IRpcRequest? request, CallOptions? options)
    {
        if (request is null) return Prepared.Invalid(RpcError.InvalidArgument("the request is null"));

        RpcMethodAttribute method;
        try { method = WireTypes.MethodOf(request.GetType()); }
        catch (ArgumentException e) { return Prepared.Invalid(RpcError.InvalidArgument(e.Message)); }

        // Precedence: the call's policy, then the method's, the service's, the client's default.
        var policy = options?.Policy ?? _runtime.Policies.Resolve(method);
        try { policy.Validate(); }
        catch (ArgumentException e) { return Prepared.Invalid(RpcError.InvalidArgument($"invalid call policy: {e.Message}")); }

        string? entityKey = null, hashKey = null;
        switch (request)
        {
            case IEntityRequest keyed:
                if (ShardKeys.Validate(keyed.EntityKey) is { } problem)
                    return Prepared.Invalid(RpcError.InvalidArgument($"{method.Service}.{method.Method}: {problem}"));
                entityKey = keyed.EntityKey;
                break;
            case IStatelessRequest stateless:
                hashKey = stateless.HashKey;
                if (hashKey is { Length: > ShardKeys.MaxKeyLength })
                    return Prepared.Invalid(RpcError.InvalidArgument($"the hash key is longer than {ShardKeys.MaxKeyLength} characters"));
                break;
            default:
                return Prepared.Invalid(RpcError.InvalidArgument(
                    $"{request.GetType().Name} must implement IEntityRequest or IStatelessRequest"));
        }

        var requestId = options?.RequestId ?? Guid.NewGuid().ToString("N");
        if (options?.RequestId is not null && !IsValidRequestId(requestId))
            return Prepared.Invalid(RpcError.InvalidArgument(
                $"the request id must be 1 to {MaxRequestIdLength} printable characters"));

        var now = Time.GetUtcNow();
        var timeout = options?.Timeout ?? policy.Timeout;
        if (options?.Deadline is null && timeout <= TimeSpan.Zero)
            return Prepared.Invalid(RpcError.InvalidArgument("the timeout must be positive"));
        var deadline = options?.Deadline ?? now + timeout;
        if (deadline <= now)
            return Prepared.Invalid(RpcError.DeadlineExceeded("the deadline has already passed"));
        return new Prepared(method, entityKey, hashKey, requestId, deadline, policy);
    }
}
