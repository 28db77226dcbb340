using Akka.Actor;

namespace AkkaRpc.Transport;

/// <summary>The way from this node to one other node: its address and the <see cref="CallBatcher"/> that sends to it.</summary>
internal sealed class NodeRoute
{
    private volatile bool _retired;

    public NodeRoute(Address address, IActorRef batcher)
    {
        Address = address;
        Batcher = batcher;
    }

    public Address Address { get; }

    public IActorRef Batcher { get; }

    /// <summary>True once the node left, was removed or became unreachable: hints to it are void.</summary>
    public bool Retired => _retired;

    public void Retire() => _retired = true;
}
