using System.Collections.Concurrent;
using AkkaRpc.Protocol;

namespace AkkaRpc.Client;

/// <summary>
/// Attempts waiting for their reply, by call id. One long-lived <see cref="ReplyCorrelator"/> actor completes them,
/// so a call costs a dictionary entry instead of a temporary actor (what Ask would create).
/// </summary>
internal sealed class PendingCalls
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<RpcReply>> _pending = new();
    private long _lastId;
    private long _lateReplies;

    /// <summary>Replies that arrived after their attempt had timed out (the call may have been retried).</summary>
    public long LateReplies => Interlocked.Read(ref _lateReplies);

    public int Count => _pending.Count;

    public (long CallId, Task<RpcReply> Reply) Register()
    {
        var id = Interlocked.Increment(ref _lastId);
        // Continuations run off the correlator's thread, so a caller's code never runs inside the actor.
        var tcs = new TaskCompletionSource<RpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        return (id, tcs.Task);
    }

    public void Forget(long callId) => _pending.TryRemove(callId, out _);

    public void Complete(RpcReply reply)
    {
        if (_pending.TryRemove(reply.CallId, out var tcs)) tcs.TrySetResult(reply);
        else Interlocked.Increment(ref _lateReplies);
    }
}
