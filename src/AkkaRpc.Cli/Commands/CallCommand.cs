using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AkkaRpc.Cli.Gateway;

namespace AkkaRpc.Cli.Commands;

/// <summary>
/// <c>akkarpc call &lt;service&gt; &lt;method&gt; --json '{...}'</c>: one call through a node's HTTP gateway. The
/// response JSON goes to stdout; an error goes to stderr as <c>Code (n): message</c> with exit 10 + n.
/// </summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "Service name, e.g. accounts" };
        var method = new Argument<string>("method") { Description = "Method name, e.g. Deposit" };
        var json = new Option<string>("--json") { Description = "The request as JSON, e.g. '{\"accountId\":\"a-1\",\"amount\":5}'", Required = true };
        var gateway = GatewayConnection.Option();
        var idempotencyKey = new Option<string?>("--idempotency-key")
        {
            Description = "Idempotency key: a retry with the same key is applied once (omitted: the gateway makes one per call)",
        };
        var timeoutMs = new Option<int?>("--timeout-ms") { Description = "The call's deadline in milliseconds (default: the service's policy)" };
        var command = new Command("call", "Call a service method through a node's gateway and print the response JSON")
        {
            service, method, json, gateway, idempotencyKey, timeoutMs,
        };
        command.SetAction((result, ct) => CliErrors.RunAsync(() => RunAsync(
            result.GetValue(service)!, result.GetValue(method)!, result.GetValue(json)!, result.GetValue(gateway),
            result.GetValue(idempotencyKey), result.GetValue(timeoutMs), ct)));
        return command;
    }

    private static async Task<int> RunAsync(
        string service, string method, string json, string? gatewayAddress, string? idempotencyKey, int? timeoutMs, CancellationToken ct)
    {
        // Checked here so that a typo costs nothing on the cluster and says exactly what is wrong.
        var gateway = GatewayConnection.Parse(gatewayAddress);
        if (string.IsNullOrWhiteSpace(service) || string.IsNullOrWhiteSpace(method))
            throw new ArgumentException("service and method must not be empty");
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--json is not valid JSON: {e.Message}");
        }
        if (timeoutMs is <= 0) throw new ArgumentException($"--timeout-ms must be a positive number of milliseconds, not {timeoutMs}");

        // The HTTP timeout outlives the call's own deadline, so the gateway's DeadlineExceeded answer reaches us.
        var httpTimeout = TimeSpan.FromMilliseconds(timeoutMs ?? 30_000) + TimeSpan.FromSeconds(10);
        using var client = GatewayConnection.Client(gateway, httpTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"rpc/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(method)}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        if (timeoutMs is { } ms) request.Headers.Add("Rpc-Timeout-Ms", ms.ToString(CultureInfo.InvariantCulture));

        var (status, body) = await GatewayConnection.SendAsync(gateway, async () =>
        {
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }, ct).ConfigureAwait(false);

        if (status == 200)
        {
            Console.WriteLine(body);
            return CliErrors.Ok;
        }
        var error = GatewayError.Parse(body);
        if (error is null)
            throw new GatewayUnreachableException(
                $"the gateway at {gateway} answered HTTP {status} without an AkkaRpc error body; is --gateway a node's gateway HTTP port?");
        await Console.Error.WriteLineAsync($"akkarpc: {error.Code} ({error.Status}): {error.Message}").ConfigureAwait(false);
        return CliErrors.CallFailed(error.Code);
    }
}
