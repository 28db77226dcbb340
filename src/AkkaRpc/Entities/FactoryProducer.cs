using Akka.Actor;

namespace AkkaRpc.Entities;

/// <summary>
/// Creates an actor with a plain delegate. <c>Props.Create(() =&gt; new T(...))</c> takes an expression tree and Akka
/// compiles it to read the constructor arguments — about a millisecond of JIT work on every call. Sharding asks for the
/// Props of every entity it starts, so with expressions each entity start (and each restart after failover or
/// passivation) paid for a compilation; measured as over half the CPU of the benchmark's account-opening phase.
/// </summary>
internal sealed class FactoryProducer<TActor> : IIndirectActorProducer where TActor : ActorBase
{
    private readonly Func<TActor> _factory;

    private FactoryProducer(Func<TActor> factory) => _factory = factory;

    /// <summary>Props that create <typeparamref name="TActor"/> with <paramref name="factory"/> (local deployment only).</summary>
    public static Props Props(Func<TActor> factory) => Akka.Actor.Props.CreateBy(new FactoryProducer<TActor>(factory));

    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => _factory();

    public void Release(ActorBase actor) { }
}
