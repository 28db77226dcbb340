using System.Net;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.LocalCluster;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Gateway;

/// <summary><c>akkarpc status</c> and <c>akkarpc call</c> as an operator runs them, against real node processes.</summary>
[Collection(ClusterCollection.Name)]
public class CliGatewayTests : IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(1);
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public CliGatewayTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Status_and_call_should_work_through_the_gateway_and_bad_input_should_exit_with_a_clear_message()
    {
        using var cluster = new LocalClusterRunner(2, _folder.Path);
        try
        {
            cluster.StartAll();
            for (var i = 0; i < 2; i++) await WaitReadyAsync(cluster.HttpAddress(i));
            var gateway = cluster.HttpAddress(0).ToString();

            var (code, stdout, stderr) = await Cli("call", "accounts", "Open", "--json", """{"accountId":"cli-1","owner":"Ann"}""", "--gateway", gateway);
            Assert.True(code == 0, stderr);
            (code, stdout, stderr) = await Cli("call", "accounts", "Deposit", "--json", """{"accountId":"cli-1","amount":40}""",
                "--gateway", gateway, "--idempotency-key", "dep-1", "--timeout-ms", "20000");
            Assert.True(code == 0, stderr);
            Assert.Contains("\"balance\":40", stdout);
            // The same key again is answered with the original reply and applied once.
            (code, stdout, _) = await Cli("call", "accounts", "Deposit", "--json", """{"accountId":"cli-1","amount":40}""",
                "--gateway", cluster.HttpAddress(1).ToString(), "--idempotency-key", "dep-1");
            Assert.Equal(0, code);
            Assert.Contains("\"balance\":40", stdout);

            // Both nodes Up in node 1's view, and the entity just created counted on some node.
            await Eventually.TrueAsync(async () =>
            {
                (code, stdout, stderr) = await Cli("status", "--gateway", gateway);
                return code == 0 && stdout.Contains("status: members=2 up=2 unreachable=0", StringComparison.Ordinal)
                       && stdout.Contains(" / 1", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(60), "status shows two Up members and the account entity");
            foreach (var port in cluster.Ports) Assert.Contains($"127.0.0.1:{port}", stdout);
            Assert.Contains("accounts", stdout);
            Assert.Contains("rpc", stdout);

            // Errors the cluster answers: code and message on stderr, exit 10 + status number, nothing changed.
            (code, _, stderr) = await Cli("call", "nosuch", "Open", "--json", "{}", "--gateway", gateway);
            Assert.Equal(10 + (int)RpcStatusCode.Unimplemented, code);
            Assert.Contains("Unimplemented (12): unknown service 'nosuch'", stderr);
            (code, _, stderr) = await Cli("call", "accounts", "Withdraw", "--json", """{"accountId":"cli-1","amount":1000}""", "--gateway", gateway);
            Assert.Equal(10 + (int)RpcStatusCode.FailedPrecondition, code);
            Assert.Contains("FailedPrecondition (9)", stderr);
            (code, _, stderr) = await Cli("call", "accounts", "Deposit", "--json", """{"accountId":"cli-1"}""", "--gateway", gateway);
            Assert.Equal(10 + (int)RpcStatusCode.InvalidArgument, code);
            Assert.Contains("InvalidArgument (3)", stderr);

            // Bad input on the command line: exit 2, nothing sent.
            (code, _, stderr) = await Cli("call", "accounts", "Deposit", "--json", """{"accountId":"cli-1","amount":""", "--gateway", gateway);
            Assert.Equal(2, code);
            Assert.Contains("--json is not valid JSON", stderr);
            (code, _, stderr) = await Cli("call", "accounts", "Deposit", "--json", "{}", "--gateway", "not a url");
            Assert.Equal(2, code);
            Assert.Contains("--gateway 'not a url' is not an http:// or https:// address", stderr);
            (code, _, stderr) = await Cli("call", "accounts", "Deposit", "--gateway", gateway);
            Assert.Equal(2, code);
            Assert.Contains("--json", stderr);

            // A gateway that is not there: exit 3 naming the address.
            var nobody = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";
            (code, _, stderr) = await Cli("call", "accounts", "GetBalance", "--json", """{"accountId":"cli-1"}""", "--gateway", nobody);
            Assert.Equal(3, code);
            Assert.Contains($"the gateway at {nobody}/ did not answer", stderr);
            (code, _, stderr) = await Cli("status", "--gateway", nobody);
            Assert.Equal(3, code);
            Assert.Contains("did not answer", stderr);

            // Nothing the bad calls sent changed the account.
            (code, stdout, _) = await Cli("call", "accounts", "GetBalance", "--json", """{"accountId":"cli-1"}""", "--gateway", gateway);
            Assert.Equal(0, code);
            Assert.Contains("\"balance\":40", stdout);
            Assert.Contains("\"transactions\":1", stdout);
            await cluster.StopAllAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            _output.WriteLine(cluster.Describe());
            throw;
        }
    }

    private Task<(int Code, string Stdout, string Stderr)> Cli(params string[] args) => CliProcess.RunAsync(_output, CliTimeout, args);

    private static async Task WaitReadyAsync(Uri gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.TrueAsync(async () =>
        {
            try { return (await http.GetAsync(GatewayHostingExtensions.ReadyPath)).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, TimeSpan.FromSeconds(90), $"{gateway} reports ready");
    }

    public void Dispose() => _folder.Dispose();
}
