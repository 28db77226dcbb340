using System.Globalization;

namespace AkkaRpc.LocalCluster;

/// <summary>
/// A cluster of real node processes sharing one journal, on 127.0.0.1 unless each node is placed elsewhere (e.g. in
/// its own network namespace). Every node it starts is tracked and killed
/// on <see cref="Dispose"/>, so a failing test or an interrupted demo leaves no process behind.
/// </summary>
public sealed class LocalClusterRunner : IDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly List<NodeProcess> _started = [];
    private readonly string _nodeDll;
    private readonly NodePlacement[] _placements;

    /// <summary>Plans a cluster of <paramref name="nodeCount"/> nodes; nothing starts until <see cref="StartAll"/>.</summary>
    /// <param name="nodeCount">How many nodes.</param>
    /// <param name="workDirectory">Node logs (and, by default, the SQLite file) go here.</param>
    /// <param name="settings">Extra <c>AkkaRpc:*</c> settings for every node (e.g. the journal).</param>
    /// <param name="placements">Where each node runs (address and launcher), one per node; null: all on 127.0.0.1.</param>
    public LocalClusterRunner(
        int nodeCount, string workDirectory, IReadOnlyDictionary<string, string>? settings = null, IReadOnlyList<NodePlacement>? placements = null)
    {
        if (placements is not null && placements.Count != nodeCount)
            throw new ArgumentException($"{placements.Count} placements for {nodeCount} nodes", nameof(placements));
        _placements = placements?.ToArray() ?? Enumerable.Repeat(NodePlacement.Loopback, nodeCount).ToArray();
        WorkDirectory = Directory.CreateDirectory(workDirectory).FullName;
        // One take for all, so no two of a node's (or the cluster's) ports can collide. Ports free here are free in a
        // fresh network namespace too.
        var ports = FreePorts.Take(nodeCount * 3);
        Ports = ports[..nodeCount];
        HttpPorts = ports[nodeCount..(2 * nodeCount)];
        GrpcPorts = ports[(2 * nodeCount)..];
        _nodeDll = NodeBinary.Locate();
        _settings = new Dictionary<string, string>
        {
            ["Persistence:Provider"] = "Sqlite",
            ["Persistence:ConnectionString"] = $"Data Source={Path.Combine(WorkDirectory, "akkarpc.db")}",
        };
        // Every node lists every node as a seed: the first reachable one lets it join, whichever died.
        for (var i = 0; i < Ports.Length; i++)
            _settings[$"SeedNodes:{i}"] = Endpoint(i);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) _settings[key] = value;
    }

    /// <summary>Logs and database live here.</summary>
    public string WorkDirectory { get; }

    /// <summary>The nodes' ports; node i (1-based) listens on <c>Ports[i-1]</c>.</summary>
    public int[] Ports { get; }

    /// <summary>Gateway HTTP/1.1 ports (JSON calls, health, metrics); node i (1-based) uses <c>HttpPorts[i-1]</c>.</summary>
    public int[] HttpPorts { get; }

    /// <summary>Gateway gRPC (HTTP/2) ports; node i (1-based) uses <c>GrpcPorts[i-1]</c>.</summary>
    public int[] GrpcPorts { get; }

    /// <summary>The gateway HTTP base address of node <paramref name="index"/> (0-based).</summary>
    public Uri HttpAddress(int index) => new($"http://{_placements[index].Host}:{HttpPorts[index].ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The gateway gRPC address of node <paramref name="index"/> (0-based).</summary>
    public Uri GrpcAddress(int index) => new($"http://{_placements[index].Host}:{GrpcPorts[index].ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The seed addresses as <c>host:port</c>.</summary>
    public string[] Seeds => Enumerable.Range(0, Ports.Length).Select(Endpoint).ToArray();

    /// <summary>Node <paramref name="index"/>'s cluster endpoint as <c>host:port</c>.</summary>
    private string Endpoint(int index) => $"{_placements[index].Host}:{Ports[index].ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The running (or last started) process of each node, by index.</summary>
    public NodeProcess?[] Nodes { get; private set; } = [];

    /// <summary>Starts every node.</summary>
    public void StartAll()
    {
        if (Nodes.Length != Ports.Length) Nodes = new NodeProcess?[Ports.Length];
        for (var i = 0; i < Ports.Length; i++) Start(i);
    }

    /// <summary>Starts (or restarts) node <paramref name="index"/> (0-based).</summary>
    public NodeProcess Start(int index)
    {
        if (Nodes.Length != Ports.Length) Nodes = new NodeProcess?[Ports.Length];
        if (Nodes[index] is { IsRunning: true }) throw new InvalidOperationException($"node{index + 1} is already running");
        var settings = new Dictionary<string, string>(_settings)
        {
            ["Gateway:HttpPort"] = HttpPorts[index].ToString(CultureInfo.InvariantCulture),
            ["Gateway:GrpcPort"] = GrpcPorts[index].ToString(CultureInfo.InvariantCulture),
        };
        var node = NodeProcess.Start($"node{index + 1}", Ports[index], settings, WorkDirectory, _nodeDll, _placements[index]);
        lock (_started) _started.Add(node);
        Nodes[index] = node;
        return node;
    }

    /// <summary>
    /// Starts node <paramref name="index"/> again on a new cluster port, i.e. at a new address: a replacement process, as
    /// a scheduler that does not keep ports would start it. Its old address stays quarantined by the other members.
    /// </summary>
    public NodeProcess StartOnNewPort(int index)
    {
        Ports[index] = FreePorts.Take(1)[0];
        return Start(index);
    }

    /// <summary>The node listening on <paramref name="address"/> (as in a reply's ServedBy), or null.</summary>
    public int? IndexOf(string? address)
    {
        if (address is null) return null;
        for (var i = 0; i < Ports.Length; i++)
            if (address.EndsWith($"@{Endpoint(i)}", StringComparison.Ordinal)) return i;
        return null;
    }

    /// <summary>Every started node described for a failing test's output (<see cref="NodeProcess.Describe"/>).</summary>
    public string Describe(int tailLines = 15) =>
        string.Join("\n", Nodes.Where(n => n is not null).Select(n => n!.Describe(tailLines)));

    /// <summary>
    /// Stops every running node gracefully, one at a time, last started first (SIGTERM, then kill -9 after
    /// <paramref name="grace"/>). One at a time, because a node that leaves hands its shards to the others; when
    /// all leave at once nobody is left to take them and each waits out its shutdown timeouts.
    /// </summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        foreach (var node in Nodes.Reverse().Where(n => n is { IsRunning: true }))
            await node!.StopAsync(grace).ConfigureAwait(false);
    }

    /// <summary>Kills every process this runner ever started that still runs.</summary>
    public void Dispose()
    {
        List<NodeProcess> started;
        lock (_started) started = [.. _started];
        foreach (var node in started) node.Dispose();
    }
}
