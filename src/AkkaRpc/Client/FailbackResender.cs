using Akka.Event;

namespace AkkaRpc.Client;

/// <summary>
/// Failback mode: a call that failed is resent in the background with the same request id (so it applies once),
/// with capped, jittered backoff, until it is answered or its <see cref="CallPolicy.FailbackFor"/> window ends.
/// At most <see cref="MaxPending"/> calls wait at once: past that a failback call fails like failover, so a long outage
/// cannot pile up unbounded work in the caller.
/// </summary>
internal sealed class FailbackResender
{
    public const int MaxPending = 10_000;

    private readonly AkkaRpcRuntime _runtime;
    private readonly CancellationToken _stopping;
    private int _pending;

    public FailbackResender(AkkaRpcRuntime runtime, CancellationToken stopping)
    {
        _runtime = runtime;
        _stopping = stopping;
    }

    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="call"/>; false when the queue is full.</summary>
    public bool Schedule(CallState call)
    {
        if (Interlocked.Increment(ref _pending) > MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }
        _ = Task.Run(() => ResendAsync(call), CancellationToken.None);
        return true;
    }

    private async Task ResendAsync(CallState original)
    {
        var time = _runtime.Time;
        var giveUpAt = time.GetUtcNow() + original.Policy.FailbackFor;
        var round = 0;
        try
        {
            while (!_stopping.IsCancellationRequested && time.GetUtcNow() < giveUpAt)
            {
                round++;
                await Task.Delay(Backoff.Delay(Math.Min(round, 10), original.Policy.BackoffBase * 4, original.Policy.BackoffCap * 5, Random.Shared),
                    time, _stopping).ConfigureAwait(false);
                _runtime.Metrics.FailbackResends.Add(1, new KeyValuePair<string, object?>("rpc.service", original.Endpoint.Service));
                var attempt = new CallState
                {
                    Endpoint = original.Endpoint,
                    Request = original.Request,
                    RequestId = original.RequestId,
                    EntityKey = original.EntityKey,
                    HashKey = original.HashKey,
                    Deadline = time.GetUtcNow() + original.Policy.Timeout,
                    Policy = original.Policy with { Mode = FaultMode.Failover },
                    Budget = original.Budget,
                };
                var (reply, error) = await ((RpcClient)_runtime.Client).ExecuteAsync(attempt, _stopping).ConfigureAwait(false);
                if (reply is not null) return;
                if (error is not { Code: RpcStatusCode.Unavailable or RpcStatusCode.ResourceExhausted or RpcStatusCode.DeadlineExceeded })
                {
                    _runtime.System.Log.Warning("Failback of {0} request {1} stopped: {2}", original.Endpoint.Service, original.RequestId, error);
                    return;
                }
            }
            if (!_stopping.IsCancellationRequested)
                _runtime.System.Log.Warning("Failback of {0} request {1} gave up after {2}", original.Endpoint.Service, original.RequestId, original.Policy.FailbackFor);
        }
        catch (OperationCanceledException)
        {
            // The node is stopping; what is still queued is dropped with it (failback is at-most-once in the caller).
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }
}
