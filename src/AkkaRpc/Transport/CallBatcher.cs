using Akka.Actor;
using Akka.Event;
using AkkaRpc.Protocol;
using AkkaRpc.Serialization;

namespace AkkaRpc.Transport;

/// <summary>
/// Sends this node's calls for ONE other node in batches: one <see cref="RpcCallBatch"/> to that node's
/// <see cref="NodeInbox"/> per drained mailbox (or full batch), with the reply correlator as sender so the replies come
/// back batched too. Nothing here decides where an entity lives; the destination's shard region does.
/// </summary>
internal sealed class CallBatcher : UntypedActor
{
    private readonly IActorRef _inbox;
    private readonly IActorRef _replyTo;
    private readonly TransportOptions _options;
    private readonly BatchBuffer _batch = new();
    private readonly string _self;

    public CallBatcher(IActorRef inbox, IActorRef replyTo, TransportOptions options)
    {
        _inbox = inbox;
        _replyTo = replyTo;
        _options = options;
        _self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
    }

    public static Props Props(IActorRef inbox, IActorRef replyTo, TransportOptions options) =>
        Akka.Actor.Props.Create(() => new CallBatcher(inbox, replyTo, options));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RpcCall call:
                if (_batch.Count == 0) FlushBatch.After(Self);
                if (!_batch.TryAdd(call, out var error))
                {
                    // What cannot be encoded here could not have crossed the wire either: answer now, not by a timeout.
                    Context.GetLogger().Error(error, "Could not encode a call to {0}", call.Service);
                    _replyTo.Tell(RpcReply.Fail(call.CallId, RpcError.Internal(
                        $"the request could not be serialized: {error!.GetType().Name}; nothing was sent"), _self));
                    return;
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

    // Stopped when the destination is retired: what is queued still goes (a leaving node hands it on).
    protected override void PostStop()
    {
        if (_batch.Count > 0) Send();
    }

    private void Send() => _inbox.Tell(new RpcCallBatch(_batch.Take()), _replyTo);
}
