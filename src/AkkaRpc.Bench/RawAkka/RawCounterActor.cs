using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using AkkaRpc.Hosting;

namespace AkkaRpc.Bench.RawAkka;

/// <summary>The baseline's entity: a plain (not persistent) actor holding one counter, answering every add.</summary>
public sealed class RawCounterActor : ReceiveActor
{
    private long _value;

    /// <summary>Answers each <see cref="RawAdd"/> with the new value.</summary>
    public RawCounterActor()
    {
        Receive<RawAdd>(add =>
        {
            _value += add.Delta;
            Sender.Tell(new RawValue(_value));
        });
    }
}

/// <summary>Registry key of the baseline's shard region (or proxy) in Akka.Hosting's actor registry.</summary>
public sealed class RawCounterRegion
{
    /// <summary>The shard region's type name.</summary>
    public const string Name = "raw-counters";

    /// <summary>Same shard count as AkkaRpc's default, so both spread keys over nodes alike.</summary>
    public const int ShardCount = 100;

    /// <summary>
    /// Adds the baseline to a node: its serializer, and a shard region where the node has the service role (a proxy
    /// elsewhere), started by Akka.Cluster.Hosting with plain sharding settings.
    /// </summary>
    public static AkkaConfigurationBuilder AddTo(AkkaConfigurationBuilder akka, bool hostsShards)
    {
        var extractor = HashCodeMessageExtractor.Create(ShardCount, m => m is RawAdd add ? add.CounterId : "", m => m);
        akka.WithCustomSerializer("bench-raw", [typeof(IRawCounterMessage)], system => new RawCounterSerializer(system));
        return hostsShards
            ? akka.WithShardRegion<RawCounterRegion>(Name, _ => Props.Create(() => new RawCounterActor()), extractor,
                new ShardOptions { Role = AkkaRpcOptions.DefaultServiceRole, RememberEntities = false })
            : akka.WithShardRegionProxy<RawCounterRegion>(Name, AkkaRpcOptions.DefaultServiceRole, extractor);
    }
}
