using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AkkaRpc.LocalCluster;

/// <summary>
/// Finds TCP ports on 127.0.0.1 that are free right now, for node processes that are told their port before they bind
/// it (a cluster's seeds must be known in advance).
/// </summary>
/// <remarks>
/// The ports come from below the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>): a port
/// the kernel hands out for "any port" is also what it hands to outgoing connections, and between this check and the
/// node's bind any connect() in any process (Akka remoting, PostgreSQL, HTTP) could take it. Below the range only a
/// listener that names the port itself can.
/// </remarks>
public static class FreePorts
{
    private const int LowestPort = 10_000;
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";

    /// <summary>Returns <paramref name="count"/> distinct free ports (all held open until all are found).</summary>
    public static int[] Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var (from, to) = Range();
        var listeners = new List<TcpListener>(count);
        try
        {
            // Random probes: concurrent callers (several test processes, several benchmark runs) rarely meet.
            for (var attempt = 0; listeners.Count < count; attempt++)
            {
                if (attempt >= count * 200)
                    throw new InvalidOperationException($"no {count} free TCP ports found on 127.0.0.1 in {from}-{to - 1}");
                var port = Random.Shared.Next(from, to);
                if (listeners.Exists(l => ((IPEndPoint)l.LocalEndpoint).Port == port)) continue;
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    listeners.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Stop();
                }
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    // [LowestPort, start of the ephemeral range); where the range cannot be read (not Linux), Linux's default 32768.
    private static (int From, int To) Range()
    {
        var ephemeralStart = 32_768;
        try
        {
            var bounds = File.ReadAllText(EphemeralRangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (bounds.Length >= 1 && int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                ephemeralStart = start;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        // A machine whose ephemeral range starts very low leaves no room below it: use the ports above it instead.
        return ephemeralStart - LowestPort >= 1_000 ? (LowestPort, ephemeralStart) : (LowestPort, 65_536);
    }
}
