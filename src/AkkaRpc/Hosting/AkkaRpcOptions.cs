using AkkaRpc.Persistence;

namespace AkkaRpc.Hosting;

/// <summary>
/// Node settings, bound from the <c>AkkaRpc</c> configuration section (appsettings.json, environment variables such
/// as <c>AkkaRpc__Port=4053</c>, or command-line arguments such as <c>--AkkaRpc:Port=4053</c>).
/// </summary>
public sealed class AkkaRpcOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "AkkaRpc";

    /// <summary>The role a node needs to host a service that names no role of its own.</summary>
    public const string DefaultServiceRole = "rpc";

    /// <summary>Actor system name; every node of one cluster must use the same.</summary>
    public string ClusterName { get; set; } = "akkarpc";

    /// <summary>The address to bind. Default 127.0.0.1.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The address other nodes use to reach this one, when it differs from <see cref="Hostname"/> (NAT, containers).</summary>
    public string? PublicHostname { get; set; }

    /// <summary>TCP port for cluster traffic; 0 picks a free one (a node that is not a seed).</summary>
    public int Port { get; set; }

    /// <summary>
    /// Seed nodes, as <c>host:port</c> or full <c>akka.tcp://name@host:port</c> addresses. Empty: this node forms a
    /// cluster of its own (single-node development).
    /// </summary>
    public string[] SeedNodes { get; set; } = [];

    /// <summary>
    /// This node's roles. A node hosts the services whose role it has; others it only calls. Empty means
    /// <see cref="DefaultServiceRole"/>. (Empty by default because configuration binding appends to an array that
    /// already has items: a default of ["rpc"] plus a configured ["client"] would give both.)
    /// </summary>
    public string[] Roles { get; set; } = [];

    /// <summary>The roles in effect: <see cref="Roles"/>, or <see cref="DefaultServiceRole"/> when none are set.</summary>
    public IReadOnlyList<string> EffectiveRoles()
    {
        var roles = Roles.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        return roles.Length > 0 ? roles : [DefaultServiceRole];
    }

    /// <summary>
    /// Number of shards per stateful service. Keys hash onto this FIXED number; shards, not keys, move between nodes.
    /// About 10× the largest node count you plan is right. Changing it moves keys between shards: safe only with the
    /// whole cluster stopped (entities live in the journal by key, not by shard).
    /// </summary>
    public int ShardCount { get; set; } = 100;

    /// <summary>An entity snapshots after this many persisted commands. Bounds recovery to that many journal rows.</summary>
    public int SnapshotEvery { get; set; } = 100;

    /// <summary>Applied request ids each entity remembers to answer retries once (see docs: the dedupe bound).</summary>
    public int RememberedRequestsPerEntity { get; set; } = 1000;

    /// <summary>Stateless workers per node and service; 0 means one per processor.</summary>
    public int WorkersPerService { get; set; }

    /// <summary>Points per node on the consistent-hash ring of stateless services; more points, more even spread.</summary>
    public int VirtualNodesFactor { get; set; } = 100;

    /// <summary>Load-shedding limits of this node.</summary>
    public Routing.LoadSheddingOptions LoadShedding { get; set; } = new();

    /// <summary>Failover timing: failure detector, split brain resolver, removal margin, sharding retries (unset ones
    /// keep the defaults of hocon/akkarpc.conf; see docs/failover.md).</summary>
    public Membership.MembershipOptions Membership { get; set; } = new();

    /// <summary>Downing a member at once when its process is gone (on by default; see docs/failover.md).</summary>
    public Membership.DeadProcessDetectionOptions DeadProcessDetection { get; set; } = new();

    /// <summary>Journal and snapshot store.</summary>
    public PersistenceOptions Persistence { get; set; } = new();

    /// <summary>Scheduled backups of the journal, once per cluster (off by default).</summary>
    public Backup.BackupOptions Backup { get; set; } = new();

    /// <summary>How calls travel between nodes (batching of calls and replies).</summary>
    public Transport.TransportOptions Transport { get; set; } = new();

    /// <summary>Seed addresses in full form.</summary>
    public IReadOnlyList<string> SeedAddresses() => SeedNodes
        .Where(s => !string.IsNullOrWhiteSpace(s))
        .Distinct(StringComparer.Ordinal)
        .Select(s => s.Contains("://", StringComparison.Ordinal) ? s.Trim() : $"akka.tcp://{ClusterName}@{s.Trim()}")
        .ToArray();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"AkkaRpc settings: {message}");
        }

        Check(Serialization.WireTypes.IsValidName(ClusterName), "ClusterName must be letters, digits, '-' or '_'");
        Check(!string.IsNullOrWhiteSpace(Hostname), "Hostname is required");
        Check(Port is >= 0 and <= 65535, "Port must be 0 to 65535");
        Check(ShardCount is >= 1 and <= 100_000, "ShardCount must be 1 to 100000");
        Check(SnapshotEvery >= 1, "SnapshotEvery must be at least 1");
        Check(RememberedRequestsPerEntity >= 1, "RememberedRequestsPerEntity must be at least 1");
        Check(WorkersPerService >= 0, "WorkersPerService must be 0 (one per processor) or more");
        Check(VirtualNodesFactor >= 1, "VirtualNodesFactor must be at least 1");
        Check(EffectiveRoles().All(Serialization.WireTypes.IsValidName), "every role must be letters, digits, '-' or '_'");
        foreach (var seed in SeedAddresses())
            Check(Uri.TryCreate(seed, UriKind.Absolute, out var uri) && uri.Port > 0, $"seed node '{seed}' is not host:port or an akka.tcp address");
        Check(LoadShedding.MaxQueueDelay > TimeSpan.Zero, "LoadShedding:MaxQueueDelay must be positive");
        Check(LoadShedding.MaxInFlightWrites >= 1, "LoadShedding:MaxInFlightWrites must be at least 1");
        Persistence.Validate();
        Membership.Validate();
        DeadProcessDetection.Validate();
        Transport.Validate();
        Backup.Validate();
        if (Backup.Enabled) Check(Persistence.Provider != JournalProvider.InMemory, "Backup:Enabled needs a Sqlite or PostgreSql journal");
    }
}
