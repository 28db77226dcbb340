namespace AkkaRpc.Protocol;

/// <summary>
/// The one journal row written per applied command: the request id, the domain events and the reply, in one
/// atomic write. Replaying it restores both the state and the memory of applied request ids, so a retry is
/// answered with the original reply even after a restart or a move to another node.
/// </summary>
internal sealed class AppliedCommand : IRpcMessage
{
    public AppliedCommand(string requestId, IReadOnlyList<IRpcMessage> events, StoredReply reply, byte[]? fingerprint = null)
    {
        RequestId = requestId;
        Fingerprint = fingerprint;
        // A plain array: whatever list type a handler built, the row holds a type every serializer can rebuild.
        Events = events as IRpcMessage[] ?? events.ToArray();
        Reply = reply;
    }

    public string RequestId { get; }
    public IReadOnlyList<IRpcMessage> Events { get; }
    /// <summary>The reply: in hand when the entity just applied the command, still encoded when the row was read back.</summary>
    public StoredReply Reply { get; }

    /// <summary>Digest of the request applied (see RequestFingerprint); null in rows written before it existed.</summary>
    public byte[]? Fingerprint { get; }
}

/// <summary>An entity snapshot: the domain state plus the remembered request ids (oldest first) and their replies.</summary>
internal sealed class EntitySnapshot : IRpcMessage
{
    public EntitySnapshot(IRpcMessage state, IReadOnlyList<RememberedRequest> recent)
    {
        State = state;
        Recent = recent;
    }

    public IRpcMessage State { get; }
    public IReadOnlyList<RememberedRequest> Recent { get; }
}

/// <summary>A request id the entity has applied, the reply it gave, and the digest of the request (null if unknown).</summary>
internal readonly record struct RememberedRequest(string RequestId, StoredReply Reply, byte[]? Fingerprint = null);
