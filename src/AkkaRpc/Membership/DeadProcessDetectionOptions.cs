namespace AkkaRpc.Membership;

/// <summary>
/// Downing members whose process is gone, without waiting for the failure detector and the split brain resolver
/// (docs/failover.md). When this node's connection to a member is closed by the other side, its cluster port is probed
/// with a TCP connect; only "connection refused", twice, <see cref="ConfirmAfter"/> apart, counts as a dead process,
/// and only then is the member downed. Anything else is left to the failure detector and the split brain resolver.
/// </summary>
public sealed class DeadProcessDetectionOptions
{
    /// <summary>On by default: a killed node's keys are served again in a few seconds instead of ~9.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long one probe waits for the handshake. A refusal comes back within a round trip; this only bounds the
    /// probes that will say nothing anyway (a partition).
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Delay between the closed connection and the first probe. A process killed with <c>kill -9</c> has its sockets
    /// closed by the kernel one after another: measured here, a probe sent 1 ms after the connection reset still found the
    /// listening socket open and was accepted.
    /// </summary>
    public TimeSpan FirstProbeAfter { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Delay before the confirming probe. A port that refuses once and accepts a moment later (a process restarting
    /// its listener) is not dead.
    /// </summary>
    public TimeSpan ConfirmAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > TimeSpan.FromSeconds(30))
            throw new ArgumentException("AkkaRpc settings: DeadProcessDetection:ProbeTimeout must be above 0 and at most 30 s");
        if (FirstProbeAfter < TimeSpan.Zero || FirstProbeAfter > TimeSpan.FromSeconds(30))
            throw new ArgumentException("AkkaRpc settings: DeadProcessDetection:FirstProbeAfter must be 0 to 30 s");
        if (ConfirmAfter < TimeSpan.Zero || ConfirmAfter > TimeSpan.FromSeconds(30))
            throw new ArgumentException("AkkaRpc settings: DeadProcessDetection:ConfirmAfter must be 0 to 30 s");
    }
}
