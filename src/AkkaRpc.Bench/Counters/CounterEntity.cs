using AkkaRpc.Entities;

namespace AkkaRpc.Bench.Counters;

/// <summary>The counter service as an AkkaRpc entity: every Add persists one event before it answers.</summary>
public sealed class CounterEntity : RpcEntity<CounterState>
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "counters";

    /// <summary>Registers the one handler.</summary>
    public CounterEntity() : base(ServiceName)
    {
        On<Add, CounterValue>((_, add) => Persist(new CounterAdded(add.Delta), s => new CounterValue(s.Value)));
    }

    /// <inheritdoc />
    public override CounterState CreateInitial(string entityKey) => new(0);

    /// <inheritdoc />
    public override CounterState Apply(CounterState state, IRpcMessage @event) => @event switch
    {
        CounterAdded added => new CounterState(state.Value + added.Delta),
        _ => throw new InvalidOperationException($"counters cannot apply {@event.GetType().Name}"),
    };
}
