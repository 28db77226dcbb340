using System.Diagnostics;
using System.Globalization;
using AkkaRpc.LocalCluster;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// A private network for partition tests, made of Linux network namespaces: a bridge in this process's (root)
/// namespace with address 10.233.X.1, and one namespace per node joined to the bridge by a veth pair, the node's end
/// called eth0 with address 10.233.X.(11+i). The test process (and its embedded client node) reaches every node
/// through the bridge address.
/// <para>
/// <see cref="Isolate"/> sets a node's bridge-side link down. Every frame to or from it is then dropped silently:
/// TCP peers see timeouts, never a reset or a refused connection. Every address's MAC is a permanent neighbour entry
/// on every side, so an isolated host does not turn into "no route to host" once ARP gives up either; a partition
/// looks like a silent network, which is what a dead-process detector that probes ports must not mistake for a
/// crash.
/// </para>
/// <para>
/// Names are <c>akp{pid}-{n}…</c> (pid of the creating process in hex, n a per-process counter), so parallel runs do
/// not clash and <see cref="RemoveLeftovers"/> can tell an abandoned network (its creator is gone) from a live one.
/// Everything is removed on <see cref="Dispose"/>, also when the test failed.
/// </para>
/// </summary>
public sealed class NamespaceNetwork : IDisposable
{
    /// <summary>Every namespace and link this class creates starts with this.</summary>
    public const string Prefix = "akp";

    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(15);
    private static int _counter;
    private readonly string _id;
    private readonly int _subnet;
    private readonly int _nodes;
    private bool _disposed;

    private NamespaceNetwork(string id, int subnet, int nodes)
    {
        _id = id;
        _subnet = subnet;
        _nodes = nodes;
        Placements = Enumerable.Range(0, nodes)
            .Select(i => new NodePlacement(NodeAddress(i), ["ip", "netns", "exec", Namespace(i)]))
            .ToArray();
    }

    /// <summary>Where each node runs: its namespace's address, launched with <c>ip netns exec</c>.</summary>
    public IReadOnlyList<NodePlacement> Placements { get; }

    /// <summary>The bridge's address in the root namespace: a client in this process binds it to reach every node.</summary>
    public string RootAddress => $"10.233.{_subnet}.1";

    /// <summary>Node <paramref name="index"/>'s (0-based) network namespace.</summary>
    public string Namespace(int index) => $"{Prefix}{_id}n{index + 1}";

    private string Bridge => $"{Prefix}{_id}br";

    private string HostLink(int index) => $"{Prefix}{_id}v{index + 1}";

    private string NodeAddress(int index) => $"10.233.{_subnet}.{11 + index}";

    private string NodeMac(int index) => $"02:00:0a:e9:{_subnet:x2}:{11 + index:x2}";

    private string BridgeMac => $"02:00:0a:e9:{_subnet:x2}:01";

    /// <summary>
    /// Builds the network for <paramref name="nodes"/> nodes, after removing what crashed earlier runs left behind.
    /// Returns null with <paramref name="refusal"/> set when the kernel refuses namespaces, bridges or veth pairs
    /// here (not Linux, no privilege, no such module): the caller skips. Any other failure throws.
    /// </summary>
    public static NamespaceNetwork? TryCreate(int nodes, out string refusal)
    {
        refusal = "";
        if (!OperatingSystem.IsLinux())
        {
            refusal = "network namespaces are Linux only";
            return null;
        }
        RemoveLeftovers();
        var id = $"{Environment.ProcessId:x}-{Interlocked.Increment(ref _counter) % 10}";
        var network = new NamespaceNetwork(id, FreeSubnet(), nodes);
        try
        {
            network.Build();
            return network;
        }
        catch (IpCommandException e) when (e.IsKernelRefusal)
        {
            network.Dispose();
            refusal = $"the kernel refuses network namespaces or virtual links here ({e.Message}); the partition test needs root on Linux";
            return null;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Cuts node <paramref name="index"/> (0-based) off from every other node and from the root namespace.</summary>
    public void Isolate(int index) => Ip("link", "set", HostLink(index), "down");

    /// <summary>Ends <see cref="Isolate"/>: node <paramref name="index"/> is connected again.</summary>
    public void Heal(int index) => Ip("link", "set", HostLink(index), "up");

    private void Build()
    {
        Ip("link", "add", Bridge, "type", "bridge");
        Ip("link", "set", Bridge, "address", BridgeMac);
        Ip("addr", "add", $"{RootAddress}/24", "dev", Bridge);
        Ip("link", "set", Bridge, "up");
        for (var i = 0; i < _nodes; i++)
        {
            var ns = Namespace(i);
            var nodeEnd = $"{Prefix}{_id}p{i + 1}";
            Ip("netns", "add", ns);
            Ip("link", "add", HostLink(i), "type", "veth", "peer", "name", nodeEnd);
            Ip("link", "set", HostLink(i), "master", Bridge);
            Ip("link", "set", HostLink(i), "up");
            Ip("link", "set", nodeEnd, "netns", ns);
            Ip("-n", ns, "link", "set", nodeEnd, "name", "eth0");
            Ip("-n", ns, "link", "set", "eth0", "address", NodeMac(i));
            Ip("-n", ns, "addr", "add", $"{NodeAddress(i)}/24", "dev", "eth0");
            Ip("-n", ns, "link", "set", "eth0", "up");
            Ip("-n", ns, "link", "set", "lo", "up");
        }
        // Permanent neighbour entries: without them, a side that keeps trying an isolated address gets "no route to
        // host" once ARP fails (~3 s), instead of the silent timeouts of a real partition.
        for (var i = 0; i < _nodes; i++)
        {
            Ip("neigh", "replace", NodeAddress(i), "lladdr", NodeMac(i), "dev", Bridge, "nud", "permanent");
            Ip("-n", Namespace(i), "neigh", "replace", RootAddress, "lladdr", BridgeMac, "dev", "eth0", "nud", "permanent");
            for (var j = 0; j < _nodes; j++)
                if (j != i)
                    Ip("-n", Namespace(i), "neigh", "replace", NodeAddress(j), "lladdr", NodeMac(j), "dev", "eth0", "nud", "permanent");
        }
    }

    /// <summary>
    /// Removes the namespaces and links of runs whose creating process no longer exists (a test host that crashed or
    /// was killed never ran its cleanup), and kills the node processes still living in those namespaces.
    /// </summary>
    public static void RemoveLeftovers()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var ns in Names(TryIp("netns", "list")).Where(IsAbandoned))
        {
            foreach (var pid in Names(TryIp("netns", "pids", ns)))
                if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p)) TryKill(p);
            TryIp("netns", "del", ns);
        }
        // `ip -o link` lines read "7: name@peer: <...>"; the bridge and our ends of the veth pairs live here.
        var links = TryIp("-o", "link", "show")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3))
            .Where(parts => parts.Length == 3)
            .Select(parts => parts[1].Trim().Split('@')[0]);
        foreach (var link in links.Where(IsAbandoned)) TryIp("link", "del", link);
    }

    /// <summary>Kills what still runs in the namespaces (a safety net: the test stops its nodes first), removes everything.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (var i = 0; i < _nodes; i++)
        {
            foreach (var pid in Names(TryIp("netns", "pids", Namespace(i))))
                if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p)) TryKill(p);
            // Deleting the namespace deletes its end of the veth pair, which deletes our end with it.
            TryIp("netns", "del", Namespace(i));
            TryIp("link", "del", HostLink(i));
        }
        TryIp("link", "del", Bridge);
    }

    /// <summary>True for a name of ours whose creating process is gone.</summary>
    private static bool IsAbandoned(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var dash = name.IndexOf('-', Prefix.Length);
        if (dash < 0) return false;
        if (!int.TryParse(name.AsSpan(Prefix.Length, dash - Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var owner))
            return false;
        return owner != Environment.ProcessId && !Directory.Exists($"/proc/{owner}");
    }

    /// <summary>A 10.233.X.0/24 that no interface of the root namespace uses yet.</summary>
    private static int FreeSubnet()
    {
        var used = TryIp("-o", "-4", "addr", "show");
        var start = (Environment.ProcessId * 7 + _counter) % 250;
        for (var k = 0; k < 250; k++)
        {
            var candidate = 1 + (start + k) % 250;
            if (!used.Contains($"10.233.{candidate}.", StringComparison.Ordinal)) return candidate;
        }
        throw new InvalidOperationException("no free 10.233.X.0/24 subnet");
    }

    /// <summary>The first word of every non-empty line (<c>ip netns list</c> prints "name (id: 3)").</summary>
    private static IEnumerable<string> Names(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split(' ')[0]);

    private static void TryKill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    private static string TryIp(params string[] args)
    {
        try { return Ip(args); }
        catch (IpCommandException) { return ""; }
    }

    private static string Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("ip did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Not a kernel refusal: the tool is missing. .ci/run installs iproute2; a developer machine needs it too.
            throw new InvalidOperationException("the partition test needs the `ip` command (Debian package iproute2)", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandBound))
            {
                process.Kill();
                throw new IpCommandException($"ip {string.Join(' ', args)}: no answer within {CommandBound.TotalSeconds:0} s", kernelRefusal: false);
            }
            if (process.ExitCode != 0)
            {
                var message = error.Result.Trim();
                throw new IpCommandException($"ip {string.Join(' ', args)}: {message}", IpCommandException.IsRefusal(message));
            }
            return output.Result;
        }
    }

    private sealed class IpCommandException(string message, bool kernelRefusal) : Exception(message)
    {
        public bool IsKernelRefusal { get; } = kernelRefusal;

        /// <summary>What `ip` prints when the kernel, not our arguments, says no: no privilege, or no such feature.</summary>
        public static bool IsRefusal(string message) =>
            new[] { "Operation not permitted", "Permission denied", "Operation not supported", "Unknown device type", "Function not implemented" }
                .Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));
    }
}
