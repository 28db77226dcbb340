using Akka.Actor;
using Akka.Event;
using AkkaRpc.Protocol;
using AkkaRpc.Serialization;

namespace AkkaRpc.Client;

/// <summary>The sender of every attempt from this node; hands each reply to the attempt waiting for it, whether it came
/// alone or in a <see cref="RpcReplyBatch"/> from another node.</summary>
internal sealed class ReplyCorrelator : UntypedActor
{
    public const string Name = "rpc-replies";
    private readonly PendingCalls _pending;
    private readonly List<RpcReply> _replies = [];

    public ReplyCorrelator(PendingCalls pending) => _pending = pending;

    public static Props Props(PendingCalls pending) => Akka.Actor.Props.Create(() => new ReplyCorrelator(pending));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RpcReply reply:
                _pending.Complete(reply);
                break;
            case RpcReplyBatch batch:
                _replies.Clear();
                try
                {
                    BatchBuffer.ReadReplies(batch.Body, _replies);
                }
                catch (Exception e)
                {
                    // Unreadable replies leave their attempts to time out and retry (the entity dedupes the retry).
                    Context.GetLogger().Warning("Dropped the rest of a reply batch after {0} reply(ies): {1}", _replies.Count, e.Message);
                }
                foreach (var r in _replies) _pending.Complete(r);
                _replies.Clear();
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
