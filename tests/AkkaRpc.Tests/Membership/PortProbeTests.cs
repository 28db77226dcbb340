using System.Net;
using System.Net.Sockets;
using AkkaRpc.Membership;

namespace AkkaRpc.Tests.Membership;

/// <summary>
/// The dead-process signal: only a refused connection counts. A live process that does not answer (no CPU, a full
/// accept queue) and a partition (timeout, unreachable host) must never look dead.
/// </summary>
public class PortProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_port_nobody_listens_on_should_be_refused()
    {
        int port;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            // Bound but not listening, then closed: the kernel answers connects to it with a reset.
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        Assert.Equal(ProbeOutcome.Refused, await PortProbe.ProbeAsync("127.0.0.1", port, Timeout));
    }

    [Fact]
    public async Task A_listening_socket_that_never_accepts_should_be_accepted_not_dead()
    {
        // What a process with no CPU looks like: the kernel completes the handshake from the listen backlog.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        Assert.Equal(ProbeOutcome.Accepted, await PortProbe.ProbeAsync("127.0.0.1", port, Timeout));
    }

    [Fact]
    public async Task A_listener_with_a_full_accept_queue_should_never_be_refused()
    {
        // A process so stalled that its accept queue is full: Linux drops further handshakes (a timeout), it does not
        // refuse them. Fill the queue until a connect no longer completes, then probe.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            var outcomes = new List<ProbeOutcome>();
            for (var i = 0; i < 8; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var bound = new CancellationTokenSource(Timeout);
                try { await filler.ConnectAsync(IPAddress.Loopback, port, bound.Token); }
                catch (OperationCanceledException) { break; }
            }
            for (var i = 0; i < 3; i++) outcomes.Add(await PortProbe.ProbeAsync("127.0.0.1", port, Timeout));

            Assert.DoesNotContain(ProbeOutcome.Refused, outcomes);
            Assert.Contains(ProbeOutcome.NoAnswer, outcomes);
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    [Theory]
    [InlineData(SocketError.TimedOut, ProbeOutcome.NoAnswer)]
    [InlineData(SocketError.HostUnreachable, ProbeOutcome.Failed)]
    [InlineData(SocketError.NetworkUnreachable, ProbeOutcome.Failed)]
    [InlineData(SocketError.HostNotFound, ProbeOutcome.Failed)]
    [InlineData(SocketError.ConnectionReset, ProbeOutcome.Failed)]
    [InlineData(SocketError.ConnectionRefused, ProbeOutcome.Refused)]
    public void Only_connection_refused_should_count_as_a_dead_process(SocketError error, ProbeOutcome expected) =>
        Assert.Equal(expected, PortProbe.Classify(error));

    [Fact]
    public void Settings_out_of_range_should_be_refused_with_their_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new DeadProcessDetectionOptions { ProbeTimeout = TimeSpan.Zero }.Validate());
        Assert.Contains("ProbeTimeout", error.Message);
        error = Assert.Throws<ArgumentException>(() => new DeadProcessDetectionOptions { ConfirmAfter = TimeSpan.FromMinutes(1) }.Validate());
        Assert.Contains("ConfirmAfter", error.Message);
    }
}
