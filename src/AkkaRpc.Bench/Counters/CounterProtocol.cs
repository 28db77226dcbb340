using MessagePack;

namespace AkkaRpc.Bench.Counters;

// The benchmark's service: one in-memory counter per key, Add(delta) answers the new value. Small on purpose, so the
// numbers measure the RPC path (routing, remoting, serialization, persistence), not business logic.

/// <summary>Adds <paramref name="Delta"/> to a counter and answers its new value.</summary>
/// <param name="CounterId">The counter's key (the entity key).</param>
/// <param name="Delta">The amount to add; any value.</param>
[RpcMethod(CounterEntity.ServiceName, "Add"), MessagePackObject]
public sealed record Add([property: Key(0)] string CounterId, [property: Key(1)] long Delta)
    : IRpcRequest<CounterValue>, IEntityRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string EntityKey => CounterId;
}

/// <summary>The counter's value after the call.</summary>
/// <param name="Value">The value.</param>
[WireType("counters.Value"), MessagePackObject]
public sealed record CounterValue([property: Key(0)] long Value) : IRpcMessage;

/// <summary>The journaled event of one <see cref="Add"/>.</summary>
/// <param name="Delta">The amount added.</param>
[WireType("counters.Added"), MessagePackObject]
public sealed record CounterAdded([property: Key(0)] long Delta) : IRpcMessage;

/// <summary>The state of one counter (snapshotted).</summary>
/// <param name="Value">The value.</param>
[WireType("counters.State"), MessagePackObject]
public sealed record CounterState([property: Key(0)] long Value) : IRpcMessage;
