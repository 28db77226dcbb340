using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Gateway;

/// <summary><c>akkarpc bench</c> against a real node process: it loads, measures, and ends with its parseable line.</summary>
[Collection(ClusterCollection.Name)]
public partial class CliBenchTests : IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(1);
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public CliBenchTests(ITestOutputHelper output) => _output = output;

    [GeneratedRegex(@"^bench: variant=gateway-http calls_per_s=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) p999_ms=([\d.]+) errors=(\d+)$")]
    private static partial Regex BenchLine();

    [Fact]
    public async Task Bench_should_load_the_cluster_through_the_gateway_and_report_percentiles_and_errors()
    {
        using var cluster = new LocalClusterRunner(1, _folder.Path);
        try
        {
            cluster.StartAll();
            using (var http = new HttpClient { BaseAddress = cluster.HttpAddress(0), Timeout = TimeSpan.FromSeconds(10) })
                await Eventually.TrueAsync(async () =>
                {
                    try { return (await http.GetAsync(GatewayHostingExtensions.ReadyPath)).StatusCode == HttpStatusCode.OK; }
                    catch (HttpRequestException) { return false; }
                    catch (TaskCanceledException) { return false; }
                }, TimeSpan.FromSeconds(90), "the node reports ready");
            var gateway = cluster.HttpAddress(0).ToString();

            foreach (var workload in new[] { "Write", "Read" })
            {
                var (code, stdout, stderr) = await Cli("bench", "--gateway", gateway, "--workload", workload, "--concurrency", "4", "--duration", "3", "--keys", "20");
                Assert.True(code == 0, stderr);
                var last = stdout.TrimEnd().Split('\n')[^1].Trim();
                var match = BenchLine().Match(last);
                Assert.True(match.Success, $"last line: {last}");
                Assert.True(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) > 0, last);
                Assert.Equal("0", match.Groups[5].Value);
                var p50 = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                var p99 = double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
                Assert.True(p50 > 0 && p50 <= p99, last);
                Assert.Contains("calls/s", stdout);
            }

            var (badCode, _, badStderr) = await Cli("bench", "--gateway", gateway, "--concurrency", "0");
            Assert.Equal(2, badCode);
            Assert.Contains("--concurrency must be 1 to 1024, not 0", badStderr);
            var nobody = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";
            (badCode, _, badStderr) = await Cli("bench", "--gateway", nobody, "--duration", "1");
            Assert.Equal(3, badCode);
            Assert.Contains("did not answer", badStderr);
            await cluster.StopAllAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            _output.WriteLine(cluster.Describe());
            throw;
        }
    }

    private Task<(int Code, string Stdout, string Stderr)> Cli(params string[] args) => CliProcess.RunAsync(_output, CliTimeout, args);

    public void Dispose() => _folder.Dispose();
}
