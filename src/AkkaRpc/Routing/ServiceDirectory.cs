using System.Collections.Frozen;
using Akka.Actor;

namespace AkkaRpc.Routing;

/// <summary>How a service is reached.</summary>
internal enum ServiceKind
{
    /// <summary>Sharded, event-sourced entities behind a shard region (or region proxy).</summary>
    Entity,

    /// <summary>Stateless workers behind a consistent-hash cluster router.</summary>
    Stateless,
}

/// <summary>
/// Where calls to one service go from this node: its shard region/proxy or its cluster router. <c>Health</c> holds the
/// per-node breakers of a stateless service (null for entities: sharding places them). <c>Hints</c> are the shard → node
/// hints of an entity service when batching is on (null otherwise).
/// </summary>
internal sealed record ServiceEndpoint(
    string Service, ServiceKind Kind, IActorRef Target, bool HostedHere, NodeHealth? Health = null, Transport.ShardHints? Hints = null);

/// <summary>The services this node can call, by name. Built once when the node starts, read-only afterwards.</summary>
internal sealed class ServiceDirectory
{
    private readonly FrozenDictionary<string, ServiceEndpoint> _endpoints;

    public ServiceDirectory(IEnumerable<ServiceEndpoint> endpoints) =>
        _endpoints = endpoints.ToFrozenDictionary(e => e.Service, StringComparer.Ordinal);

    public IReadOnlyCollection<ServiceEndpoint> All => _endpoints.Values;

    public ServiceEndpoint? Find(string service) => _endpoints.GetValueOrDefault(service);
}
