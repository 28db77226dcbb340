using Akka.Cluster.Sharding;
using AkkaRpc.Protocol;

namespace AkkaRpc.Entities;

/// <summary>Tells sharding which entity and shard an <see cref="RpcCall"/> belongs to. The whole envelope reaches the
/// entity, because it needs the request id and deadline.</summary>
internal sealed class EntityMessageExtractor : IMessageExtractor
{
    private readonly int _shardCount;

    public EntityMessageExtractor(int shardCount) => _shardCount = shardCount;

    // Sharding's own messages (StartEntity, ShardingEnvelope) are handled by Akka before the extractor is asked.
    public string? EntityId(object message) => (message as RpcCall)?.EntityKey;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message) is { } id ? ShardId(id, message) : null;

    public string ShardId(string entityId, object? messageHint = null) =>
        ShardKeys.ShardOf(entityId, _shardCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
