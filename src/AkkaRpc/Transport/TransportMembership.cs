using Akka.Actor;
using Akka.Cluster;

namespace AkkaRpc.Transport;

/// <summary>
/// Keeps <see cref="NodeRoutes"/> in step with membership: a node is batched to only while it is Up and reachable.
/// Leaving, exiting, unreachable, downed or removed retires its route and drops its shard hints at once, so calls to
/// its shards go through the shard region (and wait there for the new home) instead of to the hinted node.
/// </summary>
internal sealed class TransportMembership : UntypedActor
{
    public const string Name = "rpc-transport-membership";

    private readonly NodeRoutes _routes;

    public TransportMembership(NodeRoutes routes) => _routes = routes;

    public static Props Props(NodeRoutes routes) => Akka.Actor.Props.Create(() => new TransportMembership(routes));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberUp up:
                if (!Cluster.Get(Context.System).State.Unreachable.Contains(up.Member)) _routes.MarkUsable(up.Member.Address);
                break;
            case ClusterEvent.ReachableMember { Member.Status: MemberStatus.Up } reachable:
                _routes.MarkUsable(reachable.Member.Address);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                _routes.Retire(unreachable.Member.Address);
                break;
            case ClusterEvent.MemberLeft or ClusterEvent.MemberExited or ClusterEvent.MemberDowned or ClusterEvent.MemberRemoved:
                _routes.Retire(((ClusterEvent.MemberStatusChange)message).Member.Address);
                break;
        }
    }
}
