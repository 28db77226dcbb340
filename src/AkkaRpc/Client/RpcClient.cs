using Akka.Actor;
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
        var policy = options?.Policy ?? _runtime.DefaultPolicy;
        var prepared = Prepare(request, options, policy);
        if (prepared.Error is { } invalid) return RpcResult<TResponse>.Fail(invalid, 0);
        var (method, entityKey, hashKey, requestId, deadline, _) = prepared;

        if (!await _runtime.WaitUntilStartedAsync(deadline - Time.GetUtcNow(), Time, cancellationToken).ConfigureAwait(false))
            return RpcResult<TResponse>.Fail(RpcError.Unavailable("this node has not started AkkaRpc yet"), 0);

        var endpoint = _runtime.Directory.Find(method!.Service);
        if (endpoint is null)
            return RpcResult<TResponse>.Fail(RpcError.Unimplemented($"unknown service '{method.Service}' (not registered on this node)"), 0);
        if ((endpoint.Kind == ServiceKind.Entity) != (entityKey is not null))
            return RpcResult<TResponse>.Fail(RpcError.InvalidArgument(
                $"service '{method.Service}' is {(endpoint.Kind == ServiceKind.Entity ? "stateful and needs an IEntityRequest" : "stateless and needs an IStatelessRequest")}"), 0);

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
                new RpcCall(callId, requestId!, method.Service, entityKey, hashKey, deadlineMs, attempt, request),
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
                continue;
            }
            catch (OperationCanceledException)
            {
                _runtime.Pending.Forget(callId);
                return RpcResult<TResponse>.Fail(new RpcError(RpcStatusCode.Cancelled, "the caller cancelled the call"), attempt);
            }

            lastServedBy = reply.ServedBy;
            if (reply.Code == RpcStatusCode.Ok)
            {
                return reply.Response is TResponse response
                    ? RpcResult<TResponse>.Ok(response, attempt, reply.ServedBy)
                    : RpcResult<TResponse>.Fail(RpcError.Internal(
                        $"expected a {typeof(TResponse).Name}, got {reply.Response?.GetType().Name ?? "nothing"}"), attempt, reply.ServedBy);
            }

            lastError = new RpcError(reply.Code, reply.Message ?? reply.Code.ToString());
            if (!IsRetryable(reply.Code) || !await BackoffAsync(attempt, policy, deadline, cancellationToken).ConfigureAwait(false))
                return RpcResult<TResponse>.Fail(lastError, attempt, reply.ServedBy);
        }

        if (cancellationToken.IsCancellationRequested)
            return RpcResult<TResponse>.Fail(new RpcError(RpcStatusCode.Cancelled, "the caller cancelled the call"), attempt);
        if (Time.GetUtcNow() >= deadline)
            lastError = RpcError.DeadlineExceeded(
                $"no answer within the deadline after {attempt} attempt(s) (last: {lastError.Message}); a write may have been applied: retry with the same request id");
        return RpcResult<TResponse>.Fail(lastError, attempt, lastServedBy);
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
