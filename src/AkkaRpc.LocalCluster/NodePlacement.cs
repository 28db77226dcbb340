namespace AkkaRpc.LocalCluster;

/// <summary>
/// Where one node process runs: the address it binds and advertises (cluster port and gateway), and the command that
/// launches <c>dotnet</c> for it. The default is 127.0.0.1 in this machine's own network; a partition test places each
/// node in its own network namespace (<c>ip netns exec NAME</c>) on a private address.
/// </summary>
/// <param name="Host">The IP address the node binds and that other members use to reach it.</param>
/// <param name="Launcher">Program and arguments put in front of <c>dotnet</c>; empty runs <c>dotnet</c> directly. The
/// launcher must exec <c>dotnet</c> in place (as <c>ip netns exec</c> does) so the PID stays the node's.</param>
public sealed record NodePlacement(string Host, IReadOnlyList<string> Launcher)
{
    /// <summary>127.0.0.1, started directly.</summary>
    public static NodePlacement Loopback { get; } = new("127.0.0.1", []);
}
