using Akka.Actor;
using Akka.Cluster.Routing;
using Akka.Routing;
using AkkaRpc.Stateless;

namespace AkkaRpc.Routing;

/// <summary>
/// Props for the two routers of a stateless service. Across nodes: an Akka cluster GROUP router over the service's
/// worker pool on every member with the role, routing with <see cref="RpcHashRingLogic"/> (a consistent-hash ring with
/// <c>virtualNodesFactor</c> points per node, so when a node joins or leaves only about 1/N of the keys move, never
/// <c>hash mod N</c>). Within a node: a consistent-hashing POOL of workers, so one key also keeps one worker.
/// </summary>
internal static class StatelessRouting
{
    /// <summary>The path of a service's local worker pool on every node that hosts it.</summary>
    public static string WorkerPoolPath(string service) => $"/user/{WorkerPoolName(service)}";

    public static string WorkerPoolName(string service) => $"rpc-svc-{service}";

    public static string ClusterRouterName(string service) => $"rpc-router-{service}";

    public static Props WorkerPool(RpcService definition, int workers, TimeProvider time, LoadShedder shedder) =>
        StatelessWorker.Props(definition, time, shedder).WithRouter(new ConsistentHashingPool(workers));

    public static Props ClusterRouter(string service, string role, int virtualNodesFactor, NodeHealth health)
    {
        var paths = new[] { WorkerPoolPath(service) };
        var group = new RpcHashRingGroup(paths, virtualNodesFactor, health);
        var settings = new ClusterRouterGroupSettings(
            totalInstances: 10_000, routeesPaths: paths, allowLocalRoutees: true, useRole: role);
        return Props.Empty.WithRouter(new ClusterRouterGroup(group, settings));
    }
}
