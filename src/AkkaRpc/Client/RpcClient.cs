using System.Diagnostics;
using Akka.Actor;
using AkkaRpc.Diagnostics;
using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Serialization;

namespace AkkaRpc.Client;

/// <summary>
/// The <see cref="IRpcClient"/> of a node. Validates the request locally (bad input never leaves the caller),
/// stamps the envelope (request id, absolute deadline, attempt number), sends each attempt with a timeout carved from
/// the time left, and retries only what is safe to retry, with capped, fully jittered backoff, inside the deadline.
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
        where TResponse : IRpcMessage
    {
        var outcome = await CallCoreAsync(request, typeof(TResponse), options, cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } error
            ? RpcResult<TResponse>.Fail(error, outcome.Attempts, outcome.ServedBy)
            : RpcResult<TResponse>.Ok((TResponse)outcome.Response!, outcome.Attempts, outcome.ServedBy);
    }

    public async Task<RpcResult<IRpcMessage>> CallUntypedAsync(
        IRpcRequest request, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        Type responseType;
        try { responseType = request is null ? typeof(IRpcMessage) : ResponseTypeOf(request.GetType()); }
        catch (ArgumentException e) { return RpcResult<IRpcMessage>.Fail(RpcError.InvalidArgument(e.Message), 0); }
        var outcome = await CallCoreAsync(request!, responseType, options, cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } error
            ? RpcResult<IRpcMessage>.Fail(error, outcome.Attempts, outcome.ServedBy)
            : RpcResult<IRpcMessage>.Ok(outcome.Response!, outcome.Attempts, outcome.ServedBy);
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

    private readonly record struct Outcome(IRpcMessage? Response, RpcError? Error, int Attempts, string? ServedBy);

    private async Task<Outcome> CallCoreAsync(
        IRpcRequest request, Type responseType, CallOptions? options, CancellationToken cancellationToken)
    {
        var policy = options?.Policy ?? _runtime.DefaultPolicy;
        var prepared = Prepare(request, options, policy);
        if (prepared.Error is { } invalid) return Failed(invalid, 0, null);
        var (method, entityKey, hashKey, requestId, deadline, _) = prepared;
        var started = Stopwatch.GetTimestamp();
        var outcome = await SendAsync(request, responseType, method!, entityKey, hashKey, requestId!, deadline, policy, cancellationToken)
            .ConfigureAwait(false);
        RpcMetrics.RecordCall(method!.Service, method.Method, outcome.Error?.Code ?? RpcStatusCode.Ok,
            Stopwatch.GetElapsedTime(started), outcome.Attempts);
        return outcome;
    }

    private static Outcome Failed(RpcError error, int attempts, string? servedBy) => new(null, error, attempts, servedBy);

    private async Task<Outcome> SendAsync(IRpcRequest request, Type responseType, RpcMethodAttribute method,
        string? entityKey, string? hashKey, string requestId, DateTimeOffset deadline, CallPolicy policy,
        CancellationToken cancellationToken)
    {
        if (!await _runtime.WaitUntilStartedAsync(deadline - Time.GetUtcNow(), Time, cancellationToken).ConfigureAwait(false))
            return Failed(RpcError.Unavailable("this node has not started AkkaRpc yet"), 0, null);

        var endpoint = _runtime.Directory.Find(method.Service);
        if (endpoint is null)
            return Failed(RpcError.Unimplemented($"unknown service '{method.Service}' (not registered on this node)"), 0, null);
        if ((endpoint.Kind == ServiceKind.Entity) != (entityKey is not null))
            return Failed(RpcError.InvalidArgument(
                $"service '{method.Service}' is {(endpoint.Kind == ServiceKind.Entity ? "stateful and needs an IEntityRequest" : "stateless and needs an IStatelessRequest")}"), 0, null);

        var deadlineMs = deadline.ToUnixTimeMilliseconds();
        RpcError lastError = RpcError.DeadlineExceeded("the deadline passed before the first attempt");
        string? lastServedBy = null;
        var attempt = 0;
        while (attempt < policy.MaxAttempts)
        {
            var left = deadline - Time.GetUtcNow();
            if (left <= TimeSpan.Zero) break;
            attempt++;

            var (callId, replyTask) = _runtime.Pending.Register();
            endpoint.Target.Tell(
                new RpcCall(callId, requestId, method.Service, entityKey, hashKey, deadlineMs, attempt, request),
                _runtime.Correlator);
            var attemptTimeout = left < policy.AttemptTimeout ? left : policy.AttemptTimeout;
            RpcReply reply;
            try
            {
                reply = await replyTask.WaitAsync(attemptTimeout, Time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _runtime.Pending.Forget(callId);
                lastError = RpcError.Unavailable($"attempt {attempt} got no answer within {attemptTimeout.TotalMilliseconds:0} ms");
                if (!await BackoffAsync(attempt, policy, deadline, cancellationToken).ConfigureAwait(false)) break;
                RpcMetrics.RecordRetry(method.Service, RpcStatusCode.DeadlineExceeded);
                continue;
            }
            catch (OperationCanceledException)
            {
                _runtime.Pending.Forget(callId);
                return Failed(new RpcError(RpcStatusCode.Cancelled, "the caller cancelled the call"), attempt, null);
            }

            lastServedBy = reply.ServedBy;
            if (reply.Code == RpcStatusCode.Ok)
            {
                return reply.Response is { } response && responseType.IsInstanceOfType(response)
                    ? new Outcome(response, null, attempt, reply.ServedBy)
                    : Failed(RpcError.Internal(
                        $"expected a {responseType.Name}, got {reply.Response?.GetType().Name ?? "nothing"}"), attempt, reply.ServedBy);
            }

            lastError = new RpcError(reply.Code, reply.Message ?? reply.Code.ToString());
            if (!IsRetryable(reply.Code) || !await BackoffAsync(attempt, policy, deadline, cancellationToken).ConfigureAwait(false))
                return Failed(lastError, attempt, reply.ServedBy);
            RpcMetrics.RecordRetry(method.Service, reply.Code);
        }

        if (cancellationToken.IsCancellationRequested)
            return Failed(new RpcError(RpcStatusCode.Cancelled, "the caller cancelled the call"), attempt, null);
        if (Time.GetUtcNow() >= deadline)
            lastError = RpcError.DeadlineExceeded(
                $"no answer within the deadline after {attempt} attempt(s) (last: {lastError.Message}); a write may have been applied: retry with the same request id");
        return Failed(lastError, attempt, lastServedBy);
    }

    /// <summary>Safe to retry: the request was not applied (Unavailable, ResourceExhausted) or the entity dedupes it.</summary>
    internal static bool IsRetryable(RpcStatusCode code) =>
        code is RpcStatusCode.Unavailable or RpcStatusCode.ResourceExhausted;

    /// <summary>Waits before the next attempt; false when there is no next attempt worth making.</summary>
    private async Task<bool> BackoffAsync(int attempt, CallPolicy policy, DateTimeOffset deadline, CancellationToken token)
    {
        if (attempt >= policy.MaxAttempts) return false;
        var delay = Backoff.Delay(attempt, policy.BackoffBase, policy.BackoffCap, Random.Shared);
        if (Time.GetUtcNow() + delay >= deadline) return false;
        try
        {
            await Task.Delay(delay, Time, token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private readonly record struct Prepared(
        RpcMethodAttribute? Method, string? EntityKey, string? HashKey, string? RequestId, DateTimeOffset Deadline, RpcError? Error = null)
    {
        public static Prepared Invalid(RpcError error) => new(null, null, null, null, default, error);
    }

    private Prepared Prepare(IRpcRequest? request, CallOptions? options, CallPolicy policy)
    {
        if (request is null) return Prepared.Invalid(RpcError.InvalidArgument("the request is null"));
        try { policy.Validate(); }
        catch (ArgumentException e) { return Prepared.Invalid(RpcError.InvalidArgument($"invalid call policy: {e.Message}")); }

        RpcMethodAttribute method;
        try { method = WireTypes.MethodOf(request.GetType()); }
        catch (ArgumentException e) { return Prepared.Invalid(RpcError.InvalidArgument(e.Message)); }

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
        if (requestId.Length is 0 or > MaxRequestIdLength || requestId.Any(char.IsControl) || string.IsNullOrWhiteSpace(requestId))
            return Prepared.Invalid(RpcError.InvalidArgument(
                $"the request id must be 1 to {MaxRequestIdLength} printable characters"));

        var now = Time.GetUtcNow();
        var timeout = options?.Timeout ?? policy.Timeout;
        if (options?.Deadline is null && timeout <= TimeSpan.Zero)
            return Prepared.Invalid(RpcError.InvalidArgument("the timeout must be positive"));
        var deadline = options?.Deadline ?? now + timeout;
        if (deadline <= now)
            return Prepared.Invalid(RpcError.DeadlineExceeded("the deadline has already passed"));
        return new Prepared(method, entityKey, hashKey, requestId, deadline);
    }
}
