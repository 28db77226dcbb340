using System.Diagnostics;
using System.Net;
using System.Text;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Gateway;

/// <summary>
/// A short measurement (not a benchmark: the machine is shared) of calls per second and latency through the gateway,
/// reads and journalled writes, HTTP/JSON and gRPC, 16 closed loops for a few seconds each. Numbers go to the test
/// output; the assertions only catch a gateway that stalls.
/// </summary>
[Collection(ClusterCollection.Name)]
public class GatewayThroughputTests : IClassFixture<GatewayNodeFixture>
{
    private const int Loops = 16;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(4);
    private readonly GatewayNode _node;
    private readonly ITestOutputHelper _output;

    public GatewayThroughputTests(GatewayNodeFixture fixture, ITestOutputHelper output)
    {
        _node = fixture.Node;
        _output = output;
    }

    [Fact]
    public async Task Gateway_should_sustain_calls_on_both_protocols()
    {
        for (var i = 0; i < Loops; i++) await _node.OpenWithAsync($"tp-{i}", 1);

        await MeasureAsync("http read ", async (loop, _) =>
        {
            using var response = await _node.Http.PostAsync("/rpc/accounts/GetBalance",
                new StringContent($$"""{"accountId":"tp-{{loop}}"}""", Encoding.UTF8, "application/json"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        await MeasureAsync("http write", async (loop, n) =>
        {
            using var response = await _node.Http.PostAsync("/rpc/accounts/Deposit",
                new StringContent($$"""{"accountId":"tp-{{loop}}","amount":1}""", Encoding.UTF8, "application/json"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        await MeasureAsync("grpc read ", async (loop, _) =>
        {
            await _node.Grpc.CallAsync(new CallRequest { Service = "accounts", Method = "GetBalance", Json = $$"""{"accountId":"tp-{{loop}}"}""" });
            return true;
        });
        await MeasureAsync("grpc write", async (loop, _) =>
        {
            await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("accounts", "Deposit", new Sample.Accounts.Deposit($"tp-{loop}", 1)));
            return true;
        });
    }

    private async Task MeasureAsync(string name, Func<int, int, Task<bool>> call)
    {
        var latencies = new List<double>[Loops];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Loops).Select(async loop =>
        {
            var mine = latencies[loop] = [];
            for (var n = 0; clock.Elapsed < Duration; n++)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await call(loop, n)) Interlocked.Increment(ref failures);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double At(double q) => all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        _output.WriteLine($"gateway {name}: {all.Length / clock.Elapsed.TotalSeconds,7:0} calls/s  p50 {At(0.50),6:0.0} ms  p99 {At(0.99),6:0.0} ms  max {all[^1],7:0.0} ms  failed {failures}  ({Loops} loops, {clock.Elapsed.TotalSeconds:0.0} s)");
        Assert.Equal(0, failures);
        Assert.True(all.Length > Loops, $"{name}: only {all.Length} calls completed");
    }
}
