using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Cluster;

/// <summary>
/// The harness the multi-process tests stand on: ports no outgoing connection can take before a node binds them, and
/// a failing test's description of its nodes (state and log tail), which is all CI keeps of them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LocalClusterRunnerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Free_ports_should_be_distinct_bindable_and_below_the_ephemeral_range()
    {
        var ephemeralStart = 32_768;
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range)) ephemeralStart = int.Parse(File.ReadAllText(range).Split('\t', ' ')[0], CultureInfo.InvariantCulture);

        var ports = FreePorts.Take(30);

        Assert.Equal(30, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1_024, ephemeralStart - 1));
        // Each is free now: a listener can bind it.
        foreach (var port in ports)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_node_description_should_say_whether_it_runs_and_end_with_its_log()
    {
        using var cluster = new LocalClusterRunner(1, _folder.Path);
        try
        {
            cluster.StartAll();
            var node = cluster.Nodes[0]!;
            await Eventually.TrueAsync(() => File.Exists(node.LogPath) && new FileInfo(node.LogPath).Length > 0, TimeSpan.FromSeconds(60),
                "the node wrote its first log line");

            var running = cluster.Describe();
            Assert.StartsWith($"--- node1 ({node.Address()}, pid {node.Pid}, running) log: {node.LogPath}", running);
            // The tail is the log itself: its first line is the node announcing its start.
            await Eventually.TrueAsync(() => cluster.Describe().Contains("Starting node", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
                "the description carries the log's lines");

            node.Kill();
            Assert.Contains("exited with code", cluster.Describe());
        }
        finally
        {
            await cluster.StopAllAsync(TimeSpan.FromSeconds(10));
        }
    }
}
