using System.Net.Sockets;

namespace AkkaRpc.Membership;

/// <summary>What one TCP connect to a member's cluster port said about its process.</summary>
public enum ProbeOutcome
{
    /// <summary>
    /// The host's kernel answered with a reset (or ICMP port unreachable): nothing listens on the port. On a host that
    /// answers at all, this is what a dead process looks like.
    /// </summary>
    Refused,

    /// <summary>
    /// The connection was established. A listening socket completes the handshake in the kernel, so this is what a live
    /// process looks like, even one starved of CPU or stopped in a GC pause.
    /// </summary>
    Accepted,

    /// <summary>No answer within the probe timeout: a partition, a lost packet, or a full accept queue. Says nothing.</summary>
    NoAnswer,

    /// <summary>Any other failure (host or network unreachable, name not resolved). Says nothing about the process.</summary>
    Failed,
}

/// <summary>
/// One TCP connect to <c>host:port</c>, classified (see <see cref="ProbeOutcome"/>). The connection, if made, is closed
/// at once without sending a byte.
/// </summary>
public static class PortProbe
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> within <paramref name="timeout"/>.</summary>
    public static async Task<ProbeOutcome> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, bound.Token).ConfigureAwait(false);
            return ProbeOutcome.Accepted;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.NoAnswer;
        }
        catch (SocketException e)
        {
            return Classify(e.SocketErrorCode);
        }
    }

    /// <summary>
    /// Only "connection refused" means nothing listens. Timeouts and unreachable hosts or networks are what a partition
    /// produces, so they must never count as a dead process.
    /// </summary>
    public static ProbeOutcome Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ProbeOutcome.Refused,
        SocketError.TimedOut => ProbeOutcome.NoAnswer,
        _ => ProbeOutcome.Failed,
    };
}
