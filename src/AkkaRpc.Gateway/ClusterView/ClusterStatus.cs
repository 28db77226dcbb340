namespace AkkaRpc.Gateway.ClusterView;

/// <summary>
/// One node's view of the cluster, as <c>GET /cluster/status</c> returns it: the members it knows, whether it can
/// reach them, and how the shards and entities of each sharded service are spread over the nodes.
/// </summary>
/// <param name="Self">The answering node's address (<c>akka.tcp://system@host:port</c>).</param>
/// <param name="Leader">The cluster leader as this node sees it, or null while there is none.</param>
/// <param name="Members">Every member this node knows, oldest first.</param>
/// <param name="Services">Per sharded service, its shards and entities per node.</param>
public sealed record ClusterStatus(string Self, string? Leader, IReadOnlyList<MemberStatus> Members, IReadOnlyList<ShardedServiceStatus> Services);

/// <summary>One cluster member.</summary>
/// <param name="Address">Its address.</param>
/// <param name="Status">Its membership status (<c>Joining</c>, <c>Up</c>, <c>Leaving</c>, <c>Exiting</c>, <c>Down</c>, ...).</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Reachable">False when this node's failure detector (or another observer's, gossiped) marks it unreachable.</param>
public sealed record MemberStatus(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

/// <summary>The shard regions of one sharded service.</summary>
/// <param name="Service">The service (the shard type name).</param>
/// <param name="Regions">One entry per node that hosts a region of it.</param>
/// <param name="Error">Why the statistics are missing (e.g. the coordinator did not answer in time); null when complete.</param>
public sealed record ShardedServiceStatus(string Service, IReadOnlyList<RegionStatus> Regions, string? Error);

/// <summary>The shards and live entities of one service on one node.</summary>
/// <param name="Address">The node's address.</param>
/// <param name="Shards">Shards allocated to it.</param>
/// <param name="Entities">Entities alive in those shards (passivated entities are not counted).</param>
/// <param name="FailedShards">Shards that did not answer the statistics query in time.</param>
public sealed record RegionStatus(string Address, int Shards, int Entities, int FailedShards);
