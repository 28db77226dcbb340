using System.Net;
using System.Net.Sockets;

namespace AkkaRpc.LocalCluster;

/// <summary>Finds TCP ports on 127.0.0.1 that are free right now.</summary>
public static class FreePorts
{
    /// <summary>Returns <paramref name="count"/> distinct free ports (all held open until all are found).</summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
