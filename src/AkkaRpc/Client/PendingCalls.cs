using System.Collections.Concurrent;
using AkkaRpc.Protocol;

namespace AkkaRpc.Client;

/// <summary>
/// Attempts waiting for their reply, by call id. One long-lived <see cref="ReplyCorrelator"/> actor completes them,
/// so a call costs a dictionary entry instead of a temporary actor (what Ask would create).
/// </summary>
internal sealed class PendingCalls
{
    private readonly ConcurrentDictionary<long, (TaskCompletionSource<RpcReply> Reply, long SentAt)> _pending = new();
    private long _lastId;
    private long _lateReplies;

    /// <summary>Replies that arrived after their attempt had timed out (the call may have been retried).</summary>
    public long LateReplies => Interlocked.Read(ref _lateReplies);

    public int Count => _pending.Count;

    /// <param name="sentAt">The attempt's send time, a <see cref="TimeProvider.GetTimestamp"/> of the client's clock.</param>
    public (long CallId, Task<RpcReply> Reply) Register(long sentAt = 0)
    {
        var id = Interlocked.Increment(ref _lastId);
        // Continuations run off the correlator's thread, so a caller's code never runs inside the actor.
        var tcs = new TaskCompletionSource<RpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (tcs, sentAt);
        return (id, tcs.Task);
    }

    public void Forget(long callId) => _pending.TryRemove(callId, out _);

    public void Complete(RpcReply reply)
    {
        if (_pending.TryRemove(reply.CallId, out var pending)) pending.Reply.TrySetResult(reply);
        else Interlocked.Increment(ref _lateReplies);
    }

    /// <summary>
    /// Answers every attempt sent before <paramref name="sentBefore"/> (a timestamp of the client's clock) with
    /// <c>Unavailable</c>, which the client retries with the same request id; returns how many.
    /// </summary>
    public int FailSentBefore(long sentBefore, string reason)
    {
        var failed = 0;
        foreach (var (id, pending) in _pending)
        {
            if (pending.SentAt > sentBefore || !_pending.TryRemove(id, out _)) continue;
            pending.Reply.TrySetResult(new RpcReply(id, RpcStatusCode.Unavailable, reason, null, null, false));
            failed++;
        }
        return failed;
    }
}
