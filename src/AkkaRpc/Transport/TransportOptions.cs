namespace AkkaRpc.Transport;

/// <summary>
/// How calls travel between nodes (section <c>AkkaRpc:Transport</c>). With <see cref="Batching"/> on, concurrent calls
/// from this node to the same other node share one remote message, and so do their replies on the way back: remoting
/// costs about the same per message whatever its size, so this is where most of a remote call's CPU goes.
/// </summary>
public sealed class TransportOptions
{
    /// <summary>
    /// Batch calls to other nodes and their replies (default on). A call goes to the node that answered last for its
    /// shard, whose own shard region delivers it (and forwards it if the shard has moved since): sharding stays the
    /// authority on where an entity lives. Off: every call goes through this node's shard region alone.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>Most calls (or replies) in one batch; a full batch leaves at once.</summary>
    public int MaxBatchCalls { get; set; } = 256;

    /// <summary>Most encoded bytes in one batch; must stay well below remoting's maximum frame size (4 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 256 * 1024;

    internal void Validate()
    {
        if (MaxBatchCalls < 1) throw new ArgumentException("AkkaRpc settings: Transport:MaxBatchCalls must be at least 1");
        if (MaxBatchBytes is < 1024 or > 2 * 1024 * 1024)
            throw new ArgumentException("AkkaRpc settings: Transport:MaxBatchBytes must be 1024 to 2097152");
    }
}
