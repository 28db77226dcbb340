using System.Globalization;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>Reads values out of a node's <c>/metrics</c> page (Prometheus text: "name{labels} value" lines).</summary>
public static class PrometheusText
{
    /// <summary>The sum of every series of the metric named exactly <paramref name="name"/>; 0 if it has none.</summary>
    public static double Sum(string text, string name) => text.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
