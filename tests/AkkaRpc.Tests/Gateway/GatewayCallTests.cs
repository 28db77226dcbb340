using System.Net;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Sample.Quotes;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using MessagePack;

namespace AkkaRpc.Tests.Gateway;

/// <summary>Calls through the gateway's HTTP/JSON and gRPC faces, health and metrics, against a real node.</summary>
[Collection(ClusterCollection.Name)]
public class GatewayCallTests : IClassFixture<GatewayNodeFixture>
{
    private readonly GatewayNode _node;

    public GatewayCallTests(GatewayNodeFixture fixture) => _node = fixture.Node;

    [Fact]
    public async Task Http_calls_should_reach_entities_and_stateless_services()
    {
        var open = await _node.PostAsync("accounts", "Open", """{"accountId":"http-1","owner":"Ann"}""");
        Assert.Equal(HttpStatusCode.OK, open.Status);
        var deposit = await _node.PostAsync("accounts", "Deposit", """{"accountId":"http-1","amount":250}""", timeoutMs: "5000");
        Assert.Equal(HttpStatusCode.OK, deposit.Status);
        Assert.Equal(250, deposit.Json.GetProperty("balance").GetInt64());
        Assert.Equal((250, 1), await _node.BalanceAsync("http-1"));

        var quote = await _node.PostAsync("quotes", "GetQuote", """{"symbol":"ACME","quantity":10}""");
        Assert.Equal(HttpStatusCode.OK, quote.Status);
        Assert.Equal(10, quote.Json.GetProperty("quantity").GetInt32());

        var overdraft = await _node.PostAsync("accounts", "Withdraw", """{"accountId":"http-1","amount":1000}""");
        Assert.Equal(HttpStatusCode.Conflict, overdraft.Status);
        Assert.Equal("FailedPrecondition", overdraft.Code);
        var missing = await _node.PostAsync("accounts", "GetBalance", """{"accountId":"never-opened"}""");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        var again = await _node.PostAsync("accounts", "Open", """{"accountId":"http-1","owner":"Ann"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("AlreadyExists", again.Code);
    }

    [Fact]
    public async Task Grpc_calls_should_work_with_json_and_messagepack_payloads_and_keep_status_codes()
    {
        var opened = await _node.Grpc.CallAsync(GatewayClient.JsonCall("accounts", "Open", """{"accountId":"grpc-1","owner":"Bo"}"""));
        Assert.Contains("\"balance\":0", opened.Json);

        var deposited = await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit("grpc-1", 40)),
            deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(10));
        var balance = MessagePackSerializer.Deserialize<AccountBalance>(deposited.Msgpack.Memory);
        Assert.Equal(new AccountBalance("grpc-1", 40, 1), balance);
        Assert.Equal(1, deposited.Attempts);
        Assert.StartsWith("akka.tcp://", deposited.ServedBy);

        var quote = await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("quotes", "GetQuote", new GetQuote("ACME", 3)));
        Assert.Equal(3, MessagePackSerializer.Deserialize<Quote>(quote.Msgpack.Memory).Quantity);

        var overdraft = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("accounts", "Withdraw", new Withdraw("grpc-1", 41))));
        Assert.Equal(StatusCode.FailedPrecondition, overdraft.StatusCode);
        Assert.Contains("insufficient funds", overdraft.Status.Detail);
    }

    [Fact]
    public async Task An_idempotency_key_should_apply_once_and_refuse_a_different_payload_on_both_protocols()
    {
        await _node.OpenWithAsync("idem-1", 100);

        var first = await _node.PostAsync("accounts", "Deposit", """{"accountId":"idem-1","amount":5}""", idempotencyKey: "pay-77");
        var retry = await _node.PostAsync("accounts", "Deposit", """{"accountId":"idem-1","amount":5}""", idempotencyKey: "pay-77");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body, retry.Body);
        var viaGrpc = await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit("idem-1", 5), "pay-77"));
        Assert.Equal(new AccountBalance("idem-1", 105, 2), MessagePackSerializer.Deserialize<AccountBalance>(viaGrpc.Msgpack.Memory));

        var other = await _node.PostAsync("accounts", "Deposit", """{"accountId":"idem-1","amount":6}""", idempotencyKey: "pay-77");
        Assert.Equal(HttpStatusCode.Conflict, other.Status);
        Assert.Equal("FailedPrecondition", other.Code);
        Assert.Contains("'pay-77'", other.Message);
        var otherGrpc = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await _node.Grpc.CallAsync(GatewayClient.MsgPackCall("accounts", "Withdraw", new Withdraw("idem-1", 5), "pay-77")));
        Assert.Equal(StatusCode.FailedPrecondition, otherGrpc.StatusCode);

        Assert.Equal((105, 2), await _node.BalanceAsync("idem-1"));
    }

    [Fact]
    public async Task Health_should_report_live_and_ready_over_http_and_grpc()
    {
        var live = await _node.Http.GetAsync(GatewayHostingExtensions.LivePath);
        var ready = await _node.Http.GetAsync(GatewayHostingExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("journal answers", await ready.Content.ReadAsStringAsync());

        var health = new Health.HealthClient(_node.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = GatewayHostingExtensions.GrpcLivenessService })).Status);
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "nope" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Metrics_should_be_scraped_in_prometheus_format()
    {
        await _node.PostAsync("quotes", "GetQuote", """{"symbol":"MTRC","quantity":1}""");
        await _node.PostAsync("nope", "Nothing", "{}");
        var text = await _node.Http.GetStringAsync(GatewayHostingExtensions.MetricsPath);
        Assert.Contains("akkarpc_client_calls_total{", text);
        Assert.Contains("akkarpc_client_duration_seconds_bucket{", text);
        Assert.Contains("akkarpc_gateway_requests_total{", text);
        Assert.Contains("rpc_code=\"Unimplemented\"", text);
    }
}
