using Akka.Configuration;
using AkkaRpc.Membership;
using AkkaRpc.Persistence;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Membership;

/// <summary>Failover timing as options: set ones reach Akka's configuration, unset ones keep the embedded defaults,
/// nonsense is refused by name before anything starts.</summary>
[Collection(ClusterCollection.Name)]
public class MembershipOptionsTests
{
    [Fact]
    public async Task Set_options_should_override_the_embedded_defaults_and_unset_ones_should_keep_them()
    {
        await using var node = await InProcessNode.StartAsync(new PersistenceOptions { Provider = JournalProvider.InMemory },
            configure: o => o.Membership = new MembershipOptions
            {
                StableAfter = TimeSpan.FromSeconds(7),
                ShardingRetryInterval = TimeSpan.FromMilliseconds(300),
                FailureDetectorPause = TimeSpan.FromSeconds(4),
            });
        var config = node.System.Settings.Config;
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(300), config.GetTimeSpan("akka.cluster.sharding.retry-interval"));
        Assert.Equal(TimeSpan.FromSeconds(4), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        // Not set: hocon/akkarpc.conf's values, not Akka's own defaults (1 s gossip, 5 s leader actions... ).
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("akka.cluster.gossip-interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.GetTimeSpan("akka.cluster.down-removal-margin"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.cluster.sharding.handoff-timeout"));
    }

    [Fact]
    public void Nonsense_should_be_refused_with_the_setting_named()
    {
        var negative = Assert.Throws<ArgumentException>(() => new MembershipOptions { StableAfter = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains("Membership:StableAfter", negative.Message);
        var tooShort = Assert.Throws<ArgumentException>(() => new MembershipOptions { FailureDetectorPause = TimeSpan.FromMilliseconds(200) }.Validate());
        Assert.Contains("Membership:FailureDetectorPause", tooShort.Message);
        var zero = Assert.Throws<ArgumentException>(() => new MembershipOptions { GossipInterval = TimeSpan.Zero }.Validate());
        Assert.Contains("Membership:GossipInterval", zero.Message);
        // A zero removal margin is a legitimate (if risky) choice; unset is the default.
        new MembershipOptions { DownRemovalMargin = TimeSpan.Zero }.Validate();
        new MembershipOptions().Validate();
        Assert.Equal("", new MembershipOptions().ToHocon());
        Assert.Equal(TimeSpan.FromMilliseconds(1500),
            ConfigurationFactory.ParseString(new MembershipOptions { HandoffTimeout = TimeSpan.FromMilliseconds(1500) }.ToHocon())
                .GetTimeSpan("akka.cluster.sharding.handoff-timeout"));
    }
}
