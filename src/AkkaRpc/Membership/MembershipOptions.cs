using System.Globalization;
using System.Text;

namespace AkkaRpc.Membership;

/// <summary>
/// The failover timing of the cluster, as options (section <c>AkkaRpc:Membership</c>). Each one left unset keeps the
/// default of <c>hocon/akkarpc.conf</c>, where the comment next to the key explains the value and its trade-off
/// (docs/failover.md has the measurements). Set ones override that file and a host's own HOCON.
/// </summary>
public sealed class MembershipOptions
{
    /// <summary>
    /// <c>akka.cluster.failure-detector.acceptable-heartbeat-pause</c> (default 2 s): how long a member may stay silent
    /// before it is unreachable. Shorter notices a lost machine sooner, but a GC pause or a saturated CPU longer than
    /// this marks a healthy node unreachable. A killed process is downed in ~0.4 s by dead-process detection anyway.
    /// </summary>
    public TimeSpan? FailureDetectorPause { get; set; }

    /// <summary>
    /// <c>akka.cluster.split-brain-resolver.stable-after</c> (default 2 s): how long membership must be stable before the
    /// resolver downs the unreachable side. Shorter fails over a lost machine or a partition sooner; it must exceed the
    /// heartbeat gaps a loaded node can cause, or a hiccup becomes a down.
    /// </summary>
    public TimeSpan? StableAfter { get; set; }

    /// <summary>
    /// <c>akka.cluster.down-removal-margin</c> (default 500 ms): the wait after a removal before its shards and singletons
    /// move, which gives the other side of a partition time to down itself first. Every kill -9 failover pays it once.
    /// </summary>
    public TimeSpan? DownRemovalMargin { get; set; }

    /// <summary>
    /// <c>akka.cluster.gossip-interval</c> (default 250 ms): how fast a down or a removal spreads. Cost: one small
    /// message per member per interval.
    /// </summary>
    public TimeSpan? GossipInterval { get; set; }

    /// <summary>
    /// <c>akka.cluster.leader-actions-interval</c> (default 250 ms): how often the leader moves members along
    /// (Joining → Up, Down → Removed); each failover waits for one tick.
    /// </summary>
    public TimeSpan? LeaderActionsInterval { get; set; }

    /// <summary>
    /// <c>akka.cluster.sharding.retry-interval</c> (default 200 ms): how often a region asks again for a shard's home or
    /// re-registers with a moved coordinator; bounds how long calls to a re-allocated shard wait after failover.
    /// </summary>
    public TimeSpan? ShardingRetryInterval { get; set; }

    /// <summary>
    /// <c>akka.cluster.sharding.handoff-timeout</c> (default 10 s): how long a shard's hand-off may take before the
    /// coordinator gives up and leaves the shard where it was; calls to that shard are held meanwhile.
    /// </summary>
    public TimeSpan? HandoffTimeout { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        foreach (var (name, value, _) in Settings())
        {
            if (value is not { } v) continue;
            var least = name == nameof(DownRemovalMargin) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(1);
            if (v < least || v > TimeSpan.FromMinutes(10))
                throw new ArgumentException(
                    $"AkkaRpc settings: Membership:{name} must be {(least == TimeSpan.Zero ? "0" : "above 0")} to 10 minutes, not {v}");
        }
        if (FailureDetectorPause is { } pause && pause < TimeSpan.FromSeconds(1))
            throw new ArgumentException(
                "AkkaRpc settings: Membership:FailureDetectorPause must be at least 1 s (heartbeats go every second; less would take every member for dead)");
    }

    /// <summary>The HOCON of the settings that are set (empty when none is).</summary>
    internal string ToHocon()
    {
        var hocon = new StringBuilder();
        foreach (var (_, value, key) in Settings())
            if (value is { } v)
                hocon.Append(CultureInfo.InvariantCulture, $"{key} = {(long)v.TotalMilliseconds}ms\n");
        return hocon.ToString();
    }

    private IEnumerable<(string Name, TimeSpan? Value, string Key)> Settings() =>
    [
        (nameof(FailureDetectorPause), FailureDetectorPause, "akka.cluster.failure-detector.acceptable-heartbeat-pause"),
        (nameof(StableAfter), StableAfter, "akka.cluster.split-brain-resolver.stable-after"),
        (nameof(DownRemovalMargin), DownRemovalMargin, "akka.cluster.down-removal-margin"),
        (nameof(GossipInterval), GossipInterval, "akka.cluster.gossip-interval"),
        (nameof(LeaderActionsInterval), LeaderActionsInterval, "akka.cluster.leader-actions-interval"),
        (nameof(ShardingRetryInterval), ShardingRetryInterval, "akka.cluster.sharding.retry-interval"),
        (nameof(HandoffTimeout), HandoffTimeout, "akka.cluster.sharding.handoff-timeout"),
    ];
}
