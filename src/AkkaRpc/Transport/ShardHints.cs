namespace AkkaRpc.Transport;

/// <summary>
/// Where this node last saw each shard of one entity service answered from: shard → <see cref="NodeRoute"/>, learned
/// from replies (their ServedBy). Only a hint: a call sent on it is delivered by the hinted node's own shard region,
/// which forwards it if the shard has moved, so a stale hint costs a hop, never a wrong answer. Read and written
/// lock-free by every caller thread.
/// </summary>
internal sealed class ShardHints
{
    private readonly NodeRoute?[] _routes;

    public ShardHints(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        _routes = new NodeRoute?[shardCount];
    }

    public int ShardCount => _routes.Length;

    /// <summary>The node to send calls of <paramref name="shard"/> to, or null: go through the shard region.</summary>
    public NodeRoute? Get(int shard)
    {
        var route = Volatile.Read(ref _routes[shard]);
        return route is { Retired: false } ? route : null;
    }

    /// <summary>Records who answered for <paramref name="shard"/> (null: this node, or a node not to batch to).</summary>
    public void Learn(int shard, NodeRoute? route)
    {
        if (ReferenceEquals(Volatile.Read(ref _routes[shard]), route)) return;
        Volatile.Write(ref _routes[shard], route);
        // The node may have been retired between the caller's lookup and this write: undo, so the hint cannot outlive it.
        if (route is { Retired: true }) Interlocked.CompareExchange(ref _routes[shard], null, route);
    }

    /// <summary>Drops the hint of <paramref name="shard"/> if it still points to <paramref name="route"/> (an attempt
    /// sent on it got no answer: the next one goes through the region).</summary>
    public void Forget(int shard, NodeRoute route) => Interlocked.CompareExchange(ref _routes[shard], null, route);

    /// <summary>Drops every hint to <paramref name="route"/>.</summary>
    public void ForgetNode(NodeRoute route)
    {
        for (var i = 0; i < _routes.Length; i++) Interlocked.CompareExchange(ref _routes[i], null, route);
    }
}
