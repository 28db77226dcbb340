using AkkaRpc.Serialization;

namespace AkkaRpc.Protocol;

/// <summary>
/// The reply an entity remembers for an applied request id, to answer a retry of it. An entity that has just applied
/// the request holds the reply itself; one recovered from its journal or a snapshot holds the reply's encoded payload
/// and decodes it only when a retry actually asks for it.
/// </summary>
/// <remarks>
/// Why lazy: a snapshot carries up to <c>RememberedRequestsPerEntity</c> replies (1000 by default) and every journal row
/// one, and almost none of them is ever asked for again, yet decoding them all was a large part of each entity's
/// recovery (docs/disaster-recovery.md, item 9). Written back into a later snapshot, an encoded reply is copied as it
/// is, never decoded and encoded again. A payload that cannot be decoded no longer fails the whole entity's recovery:
/// only a retry of that one request id fails (<see cref="Entities.EntityActor"/>), and <c>akkarpc verify</c> still
/// decodes every reply (<see cref="Backup.PayloadReader"/>).
/// </remarks>
internal sealed class StoredReply
{
    private IRpcMessage? _message;

    /// <summary>A reply the entity has in hand.</summary>
    /// <remarks>
    /// The only public constructor, and <see cref="Encoded"/> is internal, so that a reflection-based serializer (the
    /// JSON one Akka's <c>serialize-messages</c> check uses for local envelopes in tests) round-trips it through
    /// <see cref="Message"/>.
    /// </remarks>
    public StoredReply(IRpcMessage message) => _message = message ?? throw new ArgumentNullException(nameof(message));

    private StoredReply(ReadOnlyMemory<byte> encoded) => Encoded = encoded;

    /// <summary>A reply as it was stored: one AkkaRpc payload (<c>[wire name, value]</c>).</summary>
    public static StoredReply FromPayload(ReadOnlyMemory<byte> payload) =>
        payload.IsEmpty ? throw new ArgumentException("an encoded reply cannot be empty", nameof(payload)) : new(payload);

    /// <summary>The stored payload; empty for a reply made from a message.</summary>
    internal ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>The reply; decodes the stored payload on first use (throws <see cref="System.Runtime.Serialization.SerializationException"/> when it cannot).</summary>
    /// <remarks>Decoding twice on a race is harmless (same bytes, same result), so there is no lock.</remarks>
    public IRpcMessage Message => _message ??= RpcSerializer.ReadStoredPayload(Encoded);
}
