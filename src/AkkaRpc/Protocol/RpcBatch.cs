namespace AkkaRpc.Protocol;

/// <summary>
/// Several envelopes from one node to another in ONE remote message: remoting pays its per-message cost (envelope,
/// recipient lookup, socket write, framing) once per batch instead of once per call. The body is the envelopes'
/// wire form back to back, written by the batcher as the batch filled (so the serializer only hands the bytes over and
/// the batcher knows the exact size), and read back one envelope at a time by the receiving actor.
/// </summary>
internal abstract class RpcBatch : IRpcMessage
{
    protected RpcBatch(byte[] body) => Body = body;

    /// <summary>The encoded envelopes, back to back.</summary>
    public byte[] Body { get; }
}

/// <summary><see cref="RpcCall"/>s from a node's <c>CallBatcher</c> to the <c>NodeInbox</c> of another node; the remote
/// sender is the origin's reply correlator.</summary>
internal sealed class RpcCallBatch : RpcBatch
{
    public RpcCallBatch(byte[] body) : base(body) { }
}

/// <summary><see cref="RpcReply"/>s from a node's <c>ReplyBatcher</c> back to the reply correlator of the node that
/// sent the calls.</summary>
internal sealed class RpcReplyBatch : RpcBatch
{
    public RpcReplyBatch(byte[] body) : base(body) { }
}
