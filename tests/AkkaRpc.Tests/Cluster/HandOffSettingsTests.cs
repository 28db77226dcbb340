using Akka.Cluster.Sharding;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Cluster;

/// <summary>The sharding settings a node really runs with (hocon/akkarpc.conf through the hosting builder).</summary>
public class HandOffSettingsTests
{
    [Fact]
    public async Task A_stuck_hand_off_should_hold_a_shards_calls_for_10_seconds_not_60()
    {
        using var folder = new TempFolder();
        await using var node = await InProcessNode.StartAsync(folder.File("akkarpc.db"));
        var tuning = ClusterShardingSettings.Create(node.System).TuningParameters;
        Assert.Equal(TimeSpan.FromSeconds(10), tuning.HandOffTimeout);
    }
}
