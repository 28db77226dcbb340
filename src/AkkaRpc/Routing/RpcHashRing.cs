using Akka.Actor;
using Akka.Routing;
using Akka.Util;
using AkkaRpc.Protocol;

namespace AkkaRpc.Routing;

/// <summary>
/// The routing logic of a stateless service's Akka cluster router: a consistent-hash ring with virtual nodes over the
/// routees (one per member with the role), keyed by the request's hash key. Beyond Akka's own consistent-hashing logic
/// it can pick the n-th DISTINCT node along the ring (hedges, forks and broadcasts go to other nodes) and steps over
/// nodes whose per-node breaker has ejected them. Routing runs on the caller's thread, so the chosen node is written
/// back to the call for the client to charge the outcome to.
/// </summary>
internal sealed class RpcHashRingLogic : RoutingLogic
{
    private readonly int _virtualNodes;
    private readonly string _selfAddress;
    private readonly NodeHealth _health;
    private Ring? _ring;

    public RpcHashRingLogic(int virtualNodes, string selfAddress, NodeHealth health)
    {
        _virtualNodes = virtualNodes;
        _selfAddress = selfAddress;
        _health = health;
    }

    public override Routee Select(object message, Routee[] routees)
    {
        if (routees.Length == 0) return Routee.NoRoutee;
        var ring = _ring;
        if (ring is null || !ReferenceEquals(ring.Routees, routees)) _ring = ring = new Ring(routees, _virtualNodes, _selfAddress);

        var (key, index) = message switch
        {
            RpcCall call => (call.HashKey ?? call.RequestId, call.RouteIndex),
            IConsistentHashable hashable => (hashable.ConsistentHashKey?.ToString() ?? "", 0),
            _ => (message.GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture), 0),
        };
        var order = ring.DistinctFrom(MurmurHash.StringHash(key));
        var healthy = order.Where(i => !_health.IsEjected(ring.Nodes[i])).ToArray();
        // Every node ejected: better to try the key's own nodes than to refuse.
        var candidates = healthy.Length > 0 ? healthy : order;
        var chosen = candidates[index % candidates.Length];
        if (message is RpcCall routed) routed.RoutedTo = ring.Nodes[chosen];
        return routees[chosen];
    }

    /// <summary>Points on the ring for one routee set; rebuilt only when the routee array changes (membership).</summary>
    private sealed class Ring
    {
        private readonly int[] _hashes;
        private readonly int[] _owners;

        public Ring(Routee[] routees, int virtualNodes, string selfAddress)
        {
            Routees = routees;
            Nodes = routees.Select(r => NodeOf(r, selfAddress)).ToArray();
            var points = new List<(int Hash, int Owner)>(routees.Length * virtualNodes);
            for (var owner = 0; owner < routees.Length; owner++)
                for (var v = 0; v < virtualNodes; v++)
                    points.Add((MurmurHash.StringHash($"{Nodes[owner]}#{v}"), owner));
            points.Sort((a, b) => a.Hash != b.Hash ? a.Hash.CompareTo(b.Hash) : string.CompareOrdinal(Nodes[a.Owner], Nodes[b.Owner]));
            _hashes = points.Select(p => p.Hash).ToArray();
            _owners = points.Select(p => p.Owner).ToArray();
        }

        public Routee[] Routees { get; }

        /// <summary>Node of each routee: its address (for a local routee, this node's) plus its path.</summary>
        public string[] Nodes { get; }

        /// <summary>Routee indexes in ring order from <paramref name="hash"/>, each node once.</summary>
        public int[] DistinctFrom(int hash)
        {
            var start = Array.BinarySearch(_hashes, hash);
            if (start < 0) start = ~start;
            var result = new List<int>(Nodes.Length);
            for (var i = 0; i < _hashes.Length && result.Count < Nodes.Length; i++)
            {
                var owner = _owners[(start + i) % _hashes.Length];
                if (!result.Contains(owner)) result.Add(owner);
            }
            return result.ToArray();
        }

        private static string NodeOf(Routee routee, string selfAddress)
        {
            var address = routee switch
            {
                ActorSelectionRoutee s => s.Selection.Anchor.Path.Address,
                ActorRefRoutee r => r.Actor.Path.Address,
                _ => null,
            };
            // Address AND path, both spelled the same from every node (a local routee gets this node's address): every
            // caller builds the same ring, and routees that share an address (tests, one-node setups) stay distinct.
            var path = routee switch
            {
                ActorSelectionRoutee s => s.Selection.PathString,
                ActorRefRoutee r => r.Actor.Path.ToStringWithoutAddress(),
                _ => "",
            };
            return (address is null || address.HasLocalScope ? selfAddress : address.ToString()) + path;
        }
    }
}

/// <summary>The Akka router Group that uses <see cref="RpcHashRingLogic"/>; wrapped in a ClusterRouterGroup.</summary>
internal sealed class RpcHashRingGroup : Group
{
    private readonly string[] _paths;
    private readonly int _virtualNodes;
    private readonly NodeHealth _health;

    public RpcHashRingGroup(IEnumerable<string> paths, int virtualNodes, NodeHealth health)
        : this(paths.ToArray(), virtualNodes, health)
    {
    }

    private RpcHashRingGroup(string[] paths, int virtualNodes, NodeHealth health)
        : base(paths, Akka.Dispatch.Dispatchers.DefaultDispatcherId)
    {
        _paths = paths;
        _virtualNodes = virtualNodes;
        _health = health;
    }

    public override Router CreateRouter(ActorSystem system) =>
        new(new RpcHashRingLogic(_virtualNodes, ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString(), _health));

    public override IEnumerable<string> GetPaths(ActorSystem system) => _paths;

    // Every node builds its own router from code; this config never travels to another node.
    public override ISurrogate ToSurrogate(ActorSystem system) =>
        throw new NotSupportedException("the AkkaRpc stateless router is created on each node and never deployed remotely");
}
