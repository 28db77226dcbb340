using Akka.Actor;
using Akka.Event;
using AkkaRpc.Protocol;
using AkkaRpc.Serialization;

namespace AkkaRpc.Transport;

/// <summary>
/// The sender that this node's <see cref="NodeInbox"/> puts on the calls of ONE origin node: entities reply to it, and
/// it sends their <see cref="RpcReply"/>s back to the origin's reply correlator in batches, flushed like
/// <see cref="CallBatcher"/>'s when its mailbox drains.
/// </summary>
internal sealed class ReplyBatcher : UntypedActor
{
    private readonly IActorRef _origin;
    private readonly TransportOptions _options;
    private readonly BatchBuffer _batch = new();
    private readonly string _self;

    public ReplyBatcher(IActorRef origin, TransportOptions options)
    {
        _origin = origin;
        _options = options;
        _self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
    }

    public static Props Props(IActorRef origin, TransportOptions options) =>
        Akka.Actor.Props.Create(() => new ReplyBatcher(origin, options));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RpcReply reply:
                if (_batch.Count == 0) FlushBatch.After(Self);
                if (!_batch.TryAdd(reply, out var error))
                {
                    // The entity answered with something that cannot cross the wire: tell the caller so, instead of
                    // letting it time out and retry a call that was applied.
                    Context.GetLogger().Error(error, "Could not encode the reply to call {0}", reply.CallId);
                    _batch.TryAdd(RpcReply.Fail(reply.CallId, RpcError.Internal(
                        $"the response could not be serialized ({error!.GetType().Name}); the request may have been applied"), _self), out _);
                }
                if (_batch.Count >= _options.MaxBatchCalls || _batch.Bytes >= _options.MaxBatchBytes) Send();
                break;
            case FlushBatch:
                if (_batch.Count > 0) Send();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        if (_batch.Count > 0) Send();
    }

    private void Send() => _origin.Tell(new RpcReplyBatch(_batch.Take()), ActorRefs.NoSender);
}
