using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Serialization;

namespace AkkaRpc.Transport;

/// <summary>
/// Where other nodes' <see cref="CallBatcher"/>s send their batches (well-known path <c>/user/rpc-inbox</c> on every
/// node). Each call goes to THIS node's shard region of its service, which delivers it if the shard lives here and
/// forwards it to the shard's home if not, so delivery never depends on the sender's hint being right. The calls
/// carry, as sender, the <see cref="ReplyBatcher"/> of their origin node, so the replies go back batched.
/// </summary>
internal sealed class NodeInbox : UntypedActor
{
    public const string Name = "rpc-inbox";

    private readonly ServiceDirectory _directory;
    private readonly TransportOptions _options;
    private readonly Dictionary<IActorRef, IActorRef> _replyBatchers = [];
    private readonly List<RpcCall> _calls = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;
    private int _created;

    public NodeInbox(ServiceDirectory directory, TransportOptions options)
    {
        _directory = directory;
        _options = options;
        _self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
    }

    public static Props Props(ServiceDirectory directory, TransportOptions options) =>
        Akka.Actor.Props.Create(() => new NodeInbox(directory, options));

    // Without a cluster (unit tests of this actor) there are no removals to follow.
    private bool Clustered => ((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider;

    protected override void PreStart()
    {
        if (Clustered)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Clustered) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RpcCallBatch batch:
                Deliver(batch);
                break;
            case ClusterEvent.MemberRemoved removed:
                // The origin is gone: nobody is left to read its replies.
                foreach (var origin in _replyBatchers.Keys.Where(o => o.Path.Address.Equals(removed.Member.Address)).ToArray())
                {
                    Context.Stop(_replyBatchers[origin]);
                    _replyBatchers.Remove(origin);
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Deliver(RpcCallBatch batch)
    {
        if (Sender.IsNobody() || Sender is DeadLetterActorRef)
        {
            _log.Warning("Dropped a call batch without a reply-to");
            return;
        }
        if (!_replyBatchers.TryGetValue(Sender, out var replies))
        {
            replies = Context.ActorOf(ReplyBatcher.Props(Sender, _options), $"replies-{++_created}");
            _replyBatchers[Sender] = replies;
        }

        _calls.Clear();
        try
        {
            BatchBuffer.ReadCalls(batch.Body, _calls);
        }
        catch (Exception e)
        {
            // Bad bytes from a peer: deliver what was readable; the unreadable rest times out at its caller and is retried.
            _log.Warning("Dropped the rest of a call batch from {0} after {1} call(s): {2}", Sender.Path.Address, _calls.Count, e.Message);
        }

        foreach (var call in _calls)
        {
            if (_directory.Find(call.Service) is { Kind: ServiceKind.Entity } endpoint)
                endpoint.Target.Tell(call, replies);
            else
                replies.Tell(RpcReply.Fail(call.CallId, RpcError.Unimplemented(
                    $"'{call.Service}' is not an entity service this node knows; nothing was applied"), _self));
        }
        _calls.Clear();
    }
}
