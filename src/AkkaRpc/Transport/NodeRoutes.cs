using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;

namespace AkkaRpc.Transport;

/// <summary>
/// The batching routes of this node's client: one <see cref="NodeRoute"/> (and <see cref="CallBatcher"/> actor) per
/// other node that has answered a call, and the shard hints of every entity service. Only nodes that membership
/// reports Up and reachable get a route; when one stops being that (<see cref="TransportMembership"/>), its route is
/// retired, its hints dropped and its batcher stopped, so calls go through the shard regions again.
/// </summary>
internal sealed class NodeRoutes
{
    private readonly ActorSystem _system;
    private readonly Address _self;
    private readonly IActorRef _correlator;
    private readonly TransportOptions _options;
    private readonly ConcurrentDictionary<string, NodeRoute> _byServedBy = new(StringComparer.Ordinal);
    private readonly List<ShardHints> _hints = [];
    private readonly object _gate = new();
    private ImmutableHashSet<Address> _usable = ImmutableHashSet<Address>.Empty;
    private int _created;

    public NodeRoutes(ActorSystem system, Address self, IActorRef correlator, TransportOptions options)
    {
        _system = system;
        _self = self;
        _correlator = correlator;
        _options = options;
    }

    /// <summary>Hints for one entity service, dropped together with the routes they point to.</summary>
    public ShardHints HintsFor(int shardCount)
    {
        var hints = new ShardHints(shardCount);
        lock (_gate) _hints.Add(hints);
        return hints;
    }

    /// <summary>
    /// The route to the node whose address is <paramref name="servedBy"/>; null for this node (its region is local
    /// anyway), for a node membership does not report usable, and for anything that is not an address.
    /// </summary>
    public NodeRoute? RouteTo(string servedBy)
    {
        if (_byServedBy.TryGetValue(servedBy, out var route)) return route;
        Address address;
        try { address = Address.Parse(servedBy); }
        catch (UriFormatException) { return null; }
        if (address.Equals(_self) || !Volatile.Read(ref _usable).Contains(address)) return null;
        lock (_gate)
        {
            if (_byServedBy.TryGetValue(servedBy, out route)) return route;
            if (!_usable.Contains(address)) return null;
            var inbox = ((ExtendedActorSystem)_system).Provider.ResolveActorRef(new RootActorPath(address) / "user" / NodeInbox.Name);
            var batcher = _system.ActorOf(CallBatcher.Props(inbox, _correlator, _options),
                $"rpc-batch-{address.Host}-{address.Port}-{++_created}");
            route = new NodeRoute(address, batcher);
            _byServedBy[servedBy] = route;
            return route;
        }
    }

    /// <summary>Membership reports <paramref name="address"/> Up and reachable.</summary>
    public void MarkUsable(Address address)
    {
        lock (_gate) _usable = _usable.Add(address);
    }

    /// <summary>
    /// <paramref name="address"/> is leaving, unreachable or gone: no more batches to it. Its batcher still sends what
    /// it has queued (a leaving node's region hands those calls on; to a dead node they are lost like any message, their
    /// attempts time out and the retries go through the shard region).
    /// </summary>
    public void Retire(Address address)
    {
        lock (_gate)
        {
            _usable = _usable.Remove(address);
            foreach (var (servedBy, route) in _byServedBy)
            {
                if (!route.Address.Equals(address)) continue;
                route.Retire();
                _byServedBy.TryRemove(servedBy, out _);
                foreach (var hints in _hints) hints.ForgetNode(route);
                route.Batcher.Tell(PoisonPill.Instance);
            }
        }
    }

    /// <summary>Routes in use (for tests and diagnostics).</summary>
    public IReadOnlyCollection<NodeRoute> Active => _byServedBy.Values.ToArray();
}
