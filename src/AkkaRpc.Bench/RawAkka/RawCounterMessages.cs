using MessagePack;

namespace AkkaRpc.Bench.RawAkka;

// The baseline's messages: the same content as the AkkaRpc counter's, sent with a plain shard-region Ask. They are
// bound to RawCounterSerializer (MessagePack), not to AkkaRpc's serializer, so no AkkaRpc code is on their path.

/// <summary>Marker that binds the baseline's messages to <see cref="RawCounterSerializer"/>.</summary>
public interface IRawCounterMessage;

/// <summary>Adds <paramref name="Delta"/> to counter <paramref name="CounterId"/>.</summary>
/// <param name="CounterId">The counter's key (entity id).</param>
/// <param name="Delta">The amount to add.</param>
[MessagePackObject]
public sealed record RawAdd([property: Key(0)] string CounterId, [property: Key(1)] long Delta) : IRawCounterMessage;

/// <summary>The counter's value after an add.</summary>
/// <param name="Value">The value.</param>
[MessagePackObject]
public sealed record RawValue([property: Key(0)] long Value) : IRawCounterMessage;
