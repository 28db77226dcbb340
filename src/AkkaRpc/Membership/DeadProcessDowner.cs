using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace AkkaRpc.Membership;

/// <summary>
/// Downs a member as soon as its process is known to be gone, instead of waiting ~3 s for the failure detector and
/// another 2 s for the split brain resolver. We never decide membership ourselves: this only feeds Akka's membership a
/// <see cref="Cluster.Down"/> on evidence that cannot come from a live process (docs/failover.md):
/// <list type="number">
/// <item>the other side closed our connection to it (a process that dies has its sockets closed by its kernel; a slow,
/// stopped or partitioned process leaves them open), and then</item>
/// <item>its cluster port refuses a TCP connect twice, <see cref="DeadProcessDetectionOptions.ConfirmAfter"/> apart
/// (a live process's listening socket completes handshakes in the kernel even with no CPU; a partition gives a timeout
/// or an unreachable host, never a refusal), and</item>
/// <item>this node still sees a majority of the members alive (a node whose own network refuses everything must not
/// down the others).</item>
/// </list>
/// The member is then downed and its incarnation quarantined: Akka removes a downed member only once it is also
/// unreachable or terminated, and quarantine marks it terminated without waiting for the failure detector. Every node
/// runs this on its own evidence; <see cref="Cluster.Down"/> is idempotent. Every decision is logged.
/// </summary>
internal sealed class DeadProcessDowner : ReceiveActor, IWithTimers
{
    public const string Name = "rpc-dead-process-downer";

    private static readonly MemberStatus[] Eligible = [MemberStatus.Joining, MemberStatus.WeaklyUp, MemberStatus.Up, MemberStatus.Leaving];

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly DeadProcessDetectionOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Members being probed, with the moment their connection closed; members this node downed, until removed.
    private readonly Dictionary<UniqueAddress, long> _probing = [];
    private readonly HashSet<UniqueAddress> _downed = [];

    public DeadProcessDowner(DeadProcessDetectionOptions options)
    {
        _options = options;
        Receive<DisassociatedEvent>(e => OnConnectionClosed(e.RemoteAddress));
        Receive<Probed>(OnProbed);
        Receive<ProbeNow>(c => Probe(c.Member, c.Round));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _downed.Remove(e.Member.UniqueAddress);
            _probing.Remove(e.Member.UniqueAddress);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeadProcessDetectionOptions options) => Akka.Actor.Props.Create(() => new DeadProcessDowner(options));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private void OnConnectionClosed(Address address)
    {
        var member = _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address));
        // Not a member (a client that never joined, or one already removed): nothing for membership to do.
        if (member is null || member.UniqueAddress.Equals(_cluster.SelfUniqueAddress)) return;
        if (!Eligible.Contains(member.Status))
        {
            _log.Info("Dead-process check: connection to {0} closed; it is {1} already, nothing to do", address, member.Status);
            return;
        }
        // Inbound and outbound associations close together: one check per incarnation.
        if (_downed.Contains(member.UniqueAddress) || !_probing.TryAdd(member.UniqueAddress, Stopwatch.GetTimestamp())) return;
        _log.Info("Dead-process check: connection to {0} (uid {1}) closed by the other side; probing its port in {2:0} ms",
            address, member.UniqueAddress.Uid, _options.FirstProbeAfter.TotalMilliseconds);
        Timers.StartSingleTimer(member.UniqueAddress, new ProbeNow(member.UniqueAddress, 1), _options.FirstProbeAfter);
    }

    private void Probe(UniqueAddress member, int round)
    {
        var started = Stopwatch.GetTimestamp();
        PortProbe.ProbeAsync(member.Address.Host ?? "", member.Address.Port ?? 0, _options.ProbeTimeout)
            .PipeTo(Self,
                success: outcome => new Probed(member, round, outcome, Stopwatch.GetElapsedTime(started)),
                failure: _ => new Probed(member, round, ProbeOutcome.Failed, Stopwatch.GetElapsedTime(started)));
    }

    private void OnProbed(Probed p)
    {
        if (!_probing.TryGetValue(p.Member, out var closedAt)) return;
        var since = Stopwatch.GetElapsedTime(closedAt).TotalMilliseconds;
        if (p.Outcome != ProbeOutcome.Refused)
        {
            _probing.Remove(p.Member);
            _log.Info("Dead-process check: {0} probe {1}: {2} after {3:0} ms; not a dead process, left to the failure detector and the split brain resolver",
                p.Member.Address, p.Round, p.Outcome, p.Took.TotalMilliseconds);
            return;
        }
        if (p.Round == 1)
        {
            _log.Info("Dead-process check: {0} refused the connection ({1:0} ms after its connection closed); probing again in {2:0} ms",
                p.Member.Address, since, _options.ConfirmAfter.TotalMilliseconds);
            Timers.StartSingleTimer(p.Member, new ProbeNow(p.Member, 2), _options.ConfirmAfter);
            return;
        }

        _probing.Remove(p.Member);
        var state = _cluster.State;
        var member = state.Members.FirstOrDefault(m => m.UniqueAddress.Equals(p.Member));
        if (member is null || !Eligible.Contains(member.Status))
        {
            _log.Info("Dead-process check: {0} refused twice but is {1} now; nothing to do", p.Member.Address, member?.Status.ToString() ?? "no longer a member");
            return;
        }
        // Alive as far as this node can tell: eligible, not downed by us, not unreachable, not the dead one.
        var voters = state.Members.Where(m => Eligible.Contains(m.Status)).ToArray();
        var alive = voters.Count(m => !m.UniqueAddress.Equals(p.Member) && !_downed.Contains(m.UniqueAddress) && !state.Unreachable.Contains(m));
        if (alive * 2 <= voters.Length)
        {
            _log.Warning("Dead-process check: {0} refused twice, but this node sees only {1} of {2} members alive: not downing it (left to the split brain resolver)",
                p.Member.Address, alive, voters.Length);
            return;
        }

        _downed.Add(p.Member);
        _log.Warning("Dead-process check: downing {0} (uid {1}): its port refused connections twice, {2:0} ms after its connection closed; {3} of {4} members alive",
            p.Member.Address, p.Member.Uid, since, alive, voters.Length);
        _cluster.Down(p.Member.Address);
        Client.AkkaRpcRuntime.Get(Context.System).Metrics.RecordDeadProcessDown(p.Member.Address.ToString());
        // A downed member is removed only once it is unreachable or terminated; quarantining this incarnation marks it
        // terminated now. A restarted process has a new uid and is not affected.
        ((IRemoteActorRefProvider)((ExtendedActorSystem)Context.System).Provider).Transport.Quarantine(p.Member.Address, p.Member.Uid);
    }

    private sealed record Probed(UniqueAddress Member, int Round, ProbeOutcome Outcome, TimeSpan Took);

    private sealed record ProbeNow(UniqueAddress Member, int Round);
}
