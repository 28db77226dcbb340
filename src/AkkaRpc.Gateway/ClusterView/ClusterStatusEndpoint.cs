using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRpc.Gateway.ClusterView;

/// <summary>
/// <c>GET /cluster/status</c>: read-only, this node's view of membership, reachability and shard placement (what
/// <c>akkarpc status</c> shows). It changes nothing and never joins anything; each sharding query is bounded.
/// </summary>
public static class ClusterStatusEndpoint
{
    /// <summary>The route.</summary>
    public const string Route = "/cluster/status";

    // The coordinator asks every region with this timeout; the Ask waits a little longer so a slow region shows up as
    // a failed shard count rather than as a missing service.
    private static readonly TimeSpan RegionTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Maps the route.</summary>
    public static IEndpointConventionBuilder MapClusterStatus(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Route, HandleAsync);

    private static async Task HandleAsync(HttpContext http)
    {
        var status = await ReadAsync(http.RequestServices.GetRequiredService<ActorSystem>(), http.RequestAborted).ConfigureAwait(false);
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, status, Json, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Reads the membership and the sharding statistics of <paramref name="system"/>.</summary>
    public static async Task<ClusterStatus> ReadAsync(ActorSystem system, CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var members = state.Members
            .OrderBy(m => m, Member.AgeOrdering)
            .Select(m => new MemberStatus(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToArray(),
                !unreachable.Contains(m.UniqueAddress)))
            .ToArray();

        var sharding = ClusterSharding.Get(system);
        var services = await Task.WhenAll(sharding.ShardTypeNames.Order(StringComparer.Ordinal)
            .Select(name => ServiceAsync(sharding, name, cancellationToken))).ConfigureAwait(false);
        return new ClusterStatus(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, services);
    }

    private static async Task<ShardedServiceStatus> ServiceAsync(ClusterSharding sharding, string typeName, CancellationToken cancellationToken)
    {
        try
        {
            var stats = await sharding.ShardRegion(typeName)
                .Ask<ClusterShardingStats>(new GetClusterShardingStats(RegionTimeout), AskTimeout, cancellationToken)
                .ConfigureAwait(false);
            var regions = stats.Regions
                .OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => new RegionStatus(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum(), r.Value.Failed.Count))
                .ToArray();
            return new ShardedServiceStatus(typeName, regions, null);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            // No coordinator yet (cluster forming) or it is busy: say so instead of failing the whole status.
            return new ShardedServiceStatus(typeName, [], $"the shard coordinator did not answer within {AskTimeout.TotalSeconds:0} s");
        }
    }
}
