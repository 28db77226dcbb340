using System.Globalization;
using AkkaRpc.LocalCluster;

namespace AkkaRpc.Demo;

/// <summary>
/// One scrape of every node's Prometheus endpoint (<c>/metrics</c>), summed by metric name: what the cold-restart
/// benchmark reports per node after a cold start (entity recovery times, and the runtime's CPU, GC and JIT time, which
/// say where a cold start's seconds went).
/// </summary>
internal sealed class NodeMetrics
{
    // Per node: each series ("name{labels}" as exported) and its value; null for a node that did not answer.
    private readonly Dictionary<string, double>?[] _nodes;

    private NodeMetrics(Dictionary<string, double>?[] nodes) => _nodes = nodes;

    /// <summary>Scrapes each node once; a node that does not answer within 10 s has no values.</summary>
    public static async Task<NodeMetrics> ScrapeAsync(LocalClusterRunner cluster, CancellationToken cancel)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var nodes = new Dictionary<string, double>?[cluster.HttpPorts.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            try
            {
                nodes[i] = Parse(await http.GetStringAsync(new Uri(cluster.HttpAddress(i), "metrics"), cancel));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                nodes[i] = null;
            }
        }
        return new NodeMetrics(nodes);
    }

    /// <summary>Nodes scraped (answered or not).</summary>
    public int Count => _nodes.Length;

    /// <summary>True if node <paramref name="node"/> answered the scrape.</summary>
    public bool Answered(int node) => _nodes[node] is not null;

    /// <summary>
    /// The sum of every series of <paramref name="name"/> on one node, or only of those carrying <paramref name="label"/>
    /// (e.g. <c>gc_heap_generation="gen0"</c>); 0 if there is none.
    /// </summary>
    public double Sum(int node, string name, string? label = null)
    {
        if (_nodes[node] is not { } series) return 0;
        double sum = 0;
        foreach (var (key, value) in series)
        {
            var nameEnd = key.IndexOf('{', StringComparison.Ordinal);
            if (!(nameEnd < 0 ? key : key[..nameEnd]).Equals(name, StringComparison.Ordinal)) continue;
            if (label is null || key.Contains(label, StringComparison.Ordinal)) sum += value;
        }
        return sum;
    }

    /// <summary>The sum of <paramref name="name"/> over every node.</summary>
    public double Sum(string name) => Enumerable.Range(0, _nodes.Length).Sum(i => Sum(i, name));

    // "name{labels} value" or "name value" per line; comments and blank lines skipped.
    private static Dictionary<string, double> Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var valueStart = line.LastIndexOf(' ');
            if (valueStart <= 0) continue;
            if (!double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            series[line[..valueStart]] = value;
        }
        return series;
    }
}
