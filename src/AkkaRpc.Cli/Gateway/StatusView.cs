namespace AkkaRpc.Cli.Gateway;

// What the CLI reads from GET /cluster/status (AkkaRpc.Gateway.ClusterView.ClusterStatus writes it). Its own copy of
// the shape rather than a reference to the gateway, so the CLI does not pull in ASP.NET Core; the status test runs
// both against each other.

/// <summary>One node's view of the cluster.</summary>
internal sealed record StatusView(string Self, string? Leader, List<MemberView> Members, List<ServiceView> Services);

/// <summary>One member.</summary>
internal sealed record MemberView(string Address, string Status, List<string> Roles, bool Reachable);

/// <summary>One sharded service.</summary>
internal sealed record ServiceView(string Service, List<RegionView> Regions, string? Error);

/// <summary>Shards and entities of one service on one node.</summary>
internal sealed record RegionView(string Address, int Shards, int Entities, int FailedShards);
