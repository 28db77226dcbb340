using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AkkaRpc.Hosting;

/// <summary>Logs every membership and reachability change of the cluster as this node sees it.</summary>
internal sealed class MembershipLogger : ReceiveActor
{
    public const string Name = "rpc-membership";
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public MembershipLogger()
    {
        var log = Context.GetLogger();
        var metrics = Client.AkkaRpcRuntime.Get(Context.System).Metrics;
        Receive<ClusterEvent.CurrentClusterState>(s =>
            log.Info("Cluster members: {0}", string.Join(", ", s.Members.Select(m => $"{m.Address} {m.Status}"))));
        Receive<ClusterEvent.MemberUp>(e => log.Info("Member up: {0} roles [{1}]", e.Member.Address, string.Join(",", e.Member.Roles)));
        Receive<ClusterEvent.MemberJoined>(e => log.Info("Member joined: {0}", e.Member.Address));
        Receive<ClusterEvent.MemberLeft>(e => log.Info("Member leaving: {0}", e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => log.Info("Member exited: {0}", e.Member.Address));
        Receive<ClusterEvent.MemberDowned>(e =>
        {
            // A downed member is a failover: its shards move to the survivors and recover from the journal.
            metrics.RecordFailover(e.Member.Address.ToString());
            log.Warning("Member downed: {0}", e.Member.Address);
        });
        Receive<ClusterEvent.MemberRemoved>(e => log.Info("Member removed: {0} (was {1})", e.Member.Address, e.PreviousStatus));
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            metrics.RecordUnreachable(e.Member.Address.ToString());
            log.Warning("Member unreachable: {0}", e.Member.Address);
        });
        Receive<ClusterEvent.ReachableMember>(e => log.Info("Member reachable again: {0}", e.Member.Address));
        Receive<ClusterEvent.LeaderChanged>(e => log.Info("Leader: {0}", e.Leader?.ToString() ?? "none"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new MembershipLogger());

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
