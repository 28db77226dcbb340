using Akka.Actor;
using AkkaRpc.Protocol;

namespace AkkaRpc.Client;

/// <summary>The sender of every attempt from this node; hands each reply to the attempt waiting for it.</summary>
internal sealed class ReplyCorrelator : UntypedActor
{
    public const string Name = "rpc-replies";
    private readonly PendingCalls _pending;

    public ReplyCorrelator(PendingCalls pending) => _pending = pending;

    public static Props Props(PendingCalls pending) => Akka.Actor.Props.Create(() => new ReplyCorrelator(pending));

    protected override void OnReceive(object message)
    {
        if (message is RpcReply reply) _pending.Complete(reply);
        else Unhandled(message);
    }
}
