namespace AkkaRpc.Gateway.Hosting;

/// <summary>
/// Gateway settings, bound from <c>AkkaRpc:Gateway</c> (e.g. <c>--AkkaRpc:Gateway:HttpPort=5053</c> or
/// <c>AkkaRpc__Gateway__HttpPort=5053</c>).
/// </summary>
/// <remarks>
/// Two ports, because Kestrel cannot offer HTTP/1.1 and cleartext HTTP/2 on one port (without TLS there is no
/// protocol negotiation): the HTTP port speaks HTTP/1.1 (JSON calls, health, metrics, what curl and Prometheus use),
/// the gRPC port speaks HTTP/2 with prior knowledge (gRPC and gRPC health).
/// </remarks>
public sealed class GatewayOptions
{
    /// <summary>The configuration section, below <c>AkkaRpc</c>.</summary>
    public const string Section = "AkkaRpc:Gateway";

    /// <summary>False: the node opens no HTTP or gRPC port at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address to bind. Default 127.0.0.1; use 0.0.0.0 in a container.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>HTTP/1.1 port: <c>POST /rpc/{service}/{method}</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c>. 0 picks a free port.</summary>
    public int HttpPort { get; set; } = 5053;

    /// <summary>HTTP/2 (cleartext) port: the gRPC <c>RpcGateway</c> and <c>grpc.health.v1.Health</c> services. 0 picks a free port.</summary>
    public int GrpcPort { get; set; } = 5054;

    /// <summary>Largest request body (HTTP) or message (gRPC) accepted, in bytes. Larger ones get 413 / RESOURCE_EXHAUSTED.</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Longest deadline a caller may ask for, in milliseconds; a longer one is refused as invalid.</summary>
    public int MaxTimeoutMs { get; set; } = 300_000;

    /// <summary>How long the readiness check waits for the journal to answer, in milliseconds.</summary>
    public int JournalProbeTimeoutMs { get; set; } = 3_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that makes no sense.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"AkkaRpc:Gateway settings: {message}");
        }

        if (!Enabled) return;
        Check(!string.IsNullOrWhiteSpace(Hostname), "Hostname is required");
        Check(HttpPort is >= 0 and <= 65535, "HttpPort must be 0 to 65535");
        Check(GrpcPort is >= 0 and <= 65535, "GrpcPort must be 0 to 65535");
        Check(HttpPort == 0 || HttpPort != GrpcPort, "HttpPort and GrpcPort must differ");
        Check(MaxRequestBytes is >= 1024 and <= 16 * 1024 * 1024, "MaxRequestBytes must be 1 KiB to 16 MiB");
        Check(MaxTimeoutMs >= 1, "MaxTimeoutMs must be positive");
        Check(JournalProbeTimeoutMs >= 1, "JournalProbeTimeoutMs must be positive");
    }
}
