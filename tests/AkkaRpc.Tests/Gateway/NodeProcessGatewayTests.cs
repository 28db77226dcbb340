using System.Net;
using System.Text;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Gateway;

/// <summary>The real node program: its gateway ports come from LocalClusterRunner and serve HTTP, gRPC and health.</summary>
[Collection(ClusterCollection.Name)]
public class NodeProcessGatewayTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public NodeProcessGatewayTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_node_process_should_serve_calls_and_health_on_its_gateway_ports()
    {
        using var cluster = new LocalClusterRunner(1, _folder.Path);
        try
        {
            cluster.StartAll();
            using var http = new HttpClient { BaseAddress = cluster.HttpAddress(0), Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.TrueAsync(async () =>
            {
                try { return (await http.GetAsync(GatewayHostingExtensions.ReadyPath)).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { return false; }
            }, TimeSpan.FromSeconds(90), "the node process reports ready on its gateway");

            using var open = await http.PostAsync("/rpc/accounts/Open",
                new StringContent("""{"accountId":"proc-1","owner":"P"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);

            using var channel = GrpcChannel.ForAddress(cluster.GrpcAddress(0));
            var reply = await new RpcGateway.RpcGatewayClient(channel).CallAsync(
                new CallRequest { Service = "accounts", Method = "Deposit", Json = """{"accountId":"proc-1","amount":12}""", IdempotencyKey = "p-1" },
                deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(30));
            Assert.Contains("\"balance\":12", reply.Json);
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

            var metrics = await http.GetStringAsync(GatewayHostingExtensions.MetricsPath);
            Assert.Contains("akkarpc_entity_journal_write_duration_seconds_bucket", metrics);
            // The runtime's own meter rides along: a node that has served calls has spent CPU and collected garbage.
            Assert.True(PrometheusText.Sum(metrics, "dotnet_process_cpu_time_seconds_total") > 0, "dotnet_process_cpu_time_seconds_total > 0");
            Assert.True(PrometheusText.Sum(metrics, "dotnet_gc_heap_total_allocated_bytes_total") > 0, "dotnet_gc_heap_total_allocated_bytes_total > 0");
            Assert.Contains("dotnet_gc_pause_time_seconds_total", metrics);
            await cluster.StopAllAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            _output.WriteLine(cluster.Describe());
            throw;
        }
    }

    public void Dispose() => _folder.Dispose();
}
