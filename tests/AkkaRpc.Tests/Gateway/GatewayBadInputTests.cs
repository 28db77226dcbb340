using System.Net;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace AkkaRpc.Tests.Gateway;

/// <summary>
/// Bad input on both protocols: each case gets the right status and a message that says what was wrong, the node
/// stays up, and the guarded account is unchanged (read back after every case).
/// </summary>
[Collection(ClusterCollection.Name)]
public class GatewayBadInputTests : IClassFixture<GatewayNodeFixture>
{
    private const string Guard = "guard-bad";
    private readonly GatewayNode _node;

    public GatewayBadInputTests(GatewayNodeFixture fixture) => _node = fixture.Node;

    public static TheoryData<string, string, string, string?, string?, string?, string, int, string> HttpCases => new()
    {
        // name, service, method, body, idempotency key, timeout, content type, HTTP status, words in the message
        { "malformed JSON", "accounts", "Deposit", """{"accountId":"guard-bad","amount":""", null, null, "application/json", 400, "not a valid Deposit" },
        { "JSON array", "accounts", "Deposit", "[1,2]", null, null, "application/json", 400, "not a valid Deposit" },
        { "JSON null", "accounts", "Deposit", "null", null, null, "application/json", 400, "JSON null" },
        { "empty body", "accounts", "Deposit", null, null, null, "application/json", 400, "body is empty" },
        { "unknown service", "ledger", "Post", "{}", null, null, "application/json", 404, "unknown service 'ledger'" },
        { "unknown method", "accounts", "Transfer", "{}", null, null, "application/json", 404, "no method 'Transfer'" },
        { "invalid service name", "acc/../x", "Deposit", "{}", null, null, "application/json", 404, "unknown service" },
        { "response type as method", "accounts", "AccountBalance", "{}", null, null, "application/json", 404, "no method" },
        { "missing key", "accounts", "Deposit", """{"amount":5}""", null, null, "application/json", 400, "accountId" },
        { "empty key", "accounts", "Deposit", """{"accountId":"","amount":5}""", null, null, "application/json", 400, "key" },
        { "blank key", "accounts", "Deposit", """{"accountId":"   ","amount":5}""", null, null, "application/json", 400, "key" },
        { "control character in key", "accounts", "Deposit", """{"accountId":"guard-bad\u0001","amount":5}""", null, null, "application/json", 400, "key" },
        { "overlong key", "accounts", "Deposit", $$"""{"accountId":"{{new string('k', 201)}}","amount":5}""", null, null, "application/json", 400, "key" },
        { "null key", "accounts", "Deposit", """{"accountId":null,"amount":5}""", null, null, "application/json", 400, "accountId" },
        { "string for a number", "accounts", "Deposit", """{"accountId":"guard-bad","amount":"lots"}""", null, null, "application/json", 400, "amount" },
        { "number for a string", "accounts", "Deposit", """{"accountId":7,"amount":5}""", null, null, "application/json", 400, "accountId" },
        { "number too big", "accounts", "Deposit", """{"accountId":"guard-bad","amount":1e999}""", null, null, "application/json", 400, "amount" },
        { "unknown property", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5,"bonus":1}""", null, null, "application/json", 400, "bonus" },
        { "another method's payload", "accounts", "Deposit", """{"accountId":"guard-bad","owner":"x"}""", null, null, "application/json", 400, "Deposit" },
        { "negative amount (domain rule)", "accounts", "Deposit", """{"accountId":"guard-bad","amount":-5}""", null, null, "application/json", 400, "positive" },
        { "overdraft (domain rule)", "accounts", "Withdraw", """{"accountId":"guard-bad","amount":1000000}""", null, null, "application/json", 409, "insufficient funds" },
        { "stateless payload for an entity", "quotes", "GetQuote", """{"symbol":"","quantity":-1}""", null, null, "application/json", 400, "" },
        { "not JSON content type", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, null, "text/plain", 415, "application/json" },
        { "negative deadline", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, "-5", "application/json", 400, "Rpc-Timeout-Ms" },
        { "zero deadline", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, "0", "application/json", 400, "Rpc-Timeout-Ms" },
        { "non-numeric deadline", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, "soon", "application/json", 400, "Rpc-Timeout-Ms" },
        { "absurd deadline", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, "999999999999", "application/json", 400, "at most" },
        { "overflowing deadline", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", null, "99999999999999999999999", "application/json", 400, "Rpc-Timeout-Ms" },
        { "empty idempotency key", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", "", null, "application/json", 400, "idempotency key is empty" },
        { "blank idempotency key", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", "   ", null, "application/json", 400, "idempotency key" },
        { "overlong idempotency key", "accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", new string('i', 129), null, "application/json", 400, "at most 128" },
        { "reused idempotency key", "accounts", "Deposit", """{"accountId":"guard-bad","amount":6}""", "seed-guard-bad", null, "application/json", 409, "different request" },
    };

    [Theory]
    [MemberData(nameof(HttpCases))]
    public async Task Http_bad_input_should_get_a_clear_error_and_change_nothing(
        string name, string service, string method, string? body, string? idempotencyKey, string? timeoutMs, string contentType,
        int status, string words)
    {
        var before = await GuardAsync();
        var answer = await _node.PostAsync(service, method, body, idempotencyKey, timeoutMs, contentType);
        Assert.True((int)answer.Status == status, $"{name}: expected {status}, got {answer}");
        Assert.False(string.IsNullOrWhiteSpace(answer.Message), name);
        Assert.Contains(words, answer.Message, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync(before);
    }

    [Fact]
    public async Task Http_oversized_body_and_key_mismatch_should_be_refused()
    {
        var before = await GuardAsync();
        var huge = $$"""{"accountId":"guard-bad","amount":5,"pad":"{{new string('x', _node.Options.MaxRequestBytes)}}"}""";
        // Expect: 100-continue, as a client sending large bodies should: the gateway refuses on Content-Length alone
        // and the body is never sent (without it the server closes a connection that still has unread bytes, and
        // TCP may reset the connection before the client reads the 413).
        using (var request = OversizedRequest(huge, chunked: false))
        using (var response = await _node.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("bytes", await response.Content.ReadAsStringAsync());
        }

        // Chunked (no Content-Length): the limit stops the body while it streams. The 413 is written, but the client
        // may see the connection reset instead (same TCP reason); either way nothing is applied and the node serves.
        try
        {
            using var request = OversizedRequest(huge, chunked: true);
            using var response = await _node.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        catch (HttpRequestException) { }

        var mismatch = await _node.PostAsync("accounts", "Deposit", """{"accountId":"guard-bad","amount":5}""", key: "someone-else");
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Status);
        Assert.Contains("does not match", mismatch.Message);
        await AssertStillServingAsync(before);
    }

    public static TheoryData<string, int, string> GrpcCases => new()
    {
        // name, index into GrpcCall, expected gRPC status, words in the detail
        { "no payload", 0, "no payload" },
        { "unknown service", 1, "unknown service" },
        { "unknown method", 2, "no method" },
        { "missing key (msgpack array too short)", 3, "key" },
        { "empty key", 4, "key" },
        { "garbage msgpack", 5, "MessagePack" },
        { "wrong msgpack type", 6, "MessagePack" },
        { "trailing bytes", 7, "after the Deposit" },
        { "malformed json", 8, "not a valid Deposit" },
        { "empty idempotency key", 9, "idempotency key is empty" },
        { "control character in idempotency key", 10, "control characters" },
        { "overlong idempotency key", 11, "at most 128" },
        { "key mismatch", 12, "does not match" },
        { "reused idempotency key", 13, "different request" },
        { "negative amount", 14, "positive" },
        { "empty service name", 15, "unknown service" },
    };

    private static CallRequest GrpcCall(int index)
    {
        var deposit = GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit(Guard, 5));
        CallRequest With(Action<CallRequest> change)
        {
            var call = deposit.Clone();
            change(call);
            return call;
        }

        return index switch
        {
            0 => new CallRequest { Service = "accounts", Method = "Deposit" },
            1 => With(c => c.Service = "ledger"),
            2 => With(c => c.Method = "Transfer"),
            3 => With(c => c.Msgpack = ByteString.CopyFrom(MessagePack.MessagePackSerializer.Serialize(Array.Empty<object>()))),
            4 => GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit("", 5)),
            5 => With(c => c.Msgpack = ByteString.CopyFrom(0xc1, 0xff, 0x00, 0x13)),
            6 => With(c => c.Msgpack = ByteString.CopyFrom(MessagePack.MessagePackSerializer.Serialize("hello"))),
            7 => With(c => c.Msgpack = ByteString.CopyFrom([.. c.Msgpack.ToByteArray(), 0x01, 0x02])),
            8 => GatewayClient.JsonCall("accounts", "Deposit", """{"accountId":"guard-bad",,}"""),
            9 => With(c => c.IdempotencyKey = ""),
            10 => With(c => c.IdempotencyKey = "abc\n"),
            11 => With(c => c.IdempotencyKey = new string('i', 129)),
            12 => With(c => c.Key = "someone-else"),
            13 => GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit(Guard, 6), "seed-guard-bad"),
            14 => GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit(Guard, -5)),
            15 => With(c => c.Service = ""),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };
    }

    private static StatusCode ExpectedGrpcStatus(int index) => index switch
    {
        1 or 2 or 15 => StatusCode.Unimplemented,
        13 => StatusCode.FailedPrecondition,
        _ => StatusCode.InvalidArgument,
    };

    [Theory]
    [MemberData(nameof(GrpcCases))]
    public async Task Grpc_bad_input_should_get_a_clear_status_and_change_nothing(string name, int index, string words)
    {
        var before = await GuardAsync();
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await _node.Grpc.CallAsync(GrpcCall(index)));
        Assert.True(error.StatusCode == ExpectedGrpcStatus(index), $"{name}: expected {ExpectedGrpcStatus(index)}, got {error.Status}");
        Assert.Contains(words, error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync(before);
    }

    [Fact]
    public async Task Grpc_deadlines_oversized_messages_and_malformed_protobuf_should_be_refused()
    {
        var before = await GuardAsync();
        var call = GatewayClient.MsgPackCall("accounts", "Deposit", new Deposit(Guard, 5));

        var absurd = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await _node.Grpc.CallAsync(call, deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(365)));
        Assert.Equal(StatusCode.InvalidArgument, absurd.StatusCode);
        Assert.Contains("at most", absurd.Status.Detail);

        var past = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await _node.Grpc.CallAsync(call, deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(-5)));
        Assert.Equal(StatusCode.DeadlineExceeded, past.StatusCode);

        var oversized = call.Clone();
        oversized.Json = $$"""{"accountId":"guard-bad","amount":5,"pad":"{{new string('x', _node.Options.MaxRequestBytes)}}"}""";
        var tooBig = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await _node.Grpc.CallAsync(oversized));
        Assert.True(tooBig.StatusCode == StatusCode.ResourceExhausted, tooBig.Status.ToString());

        // Bytes that are not a CallRequest at all, sent through a raw marshaller.
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "akkarpc.gateway.v1.RpcGateway", "Call",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        foreach (var garbage in new[] { new byte[] { 0xff, 0xff, 0xff, 0xff }, new byte[] { 0x0a, 0x7f, 0x61 }, new byte[] { 0x22, 0x05, 0x01 } })
        {
            var broken = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
                await _node.Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new Grpc.Core.CallOptions(), garbage));
            Assert.Equal(StatusCode.InvalidArgument, broken.StatusCode);
            Assert.Contains("not a valid CallRequest", broken.Status.Detail);
        }
        await AssertStillServingAsync(before);
    }

    private static HttpRequestMessage OversizedRequest(string body, bool chunked)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/rpc/accounts/Deposit")
        {
            Content = chunked
                ? new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)))
                : new StringContent(body, System.Text.Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.ExpectContinue = true;
        request.Headers.TransferEncodingChunked = chunked;
        return request;
    }

    private async Task<(long, long)> GuardAsync()
    {
        var current = await _node.PostAsync("accounts", "GetBalance", $$"""{"accountId":"{{Guard}}"}""");
        if (current.Status == HttpStatusCode.NotFound) await _node.OpenWithAsync(Guard, 100);
        return await _node.BalanceAsync(Guard);
    }

    private async Task AssertStillServingAsync((long, long) before)
    {
        Assert.Equal(HttpStatusCode.OK, (await _node.Http.GetAsync(GatewayHostingExtensions.LivePath)).StatusCode);
        Assert.Equal(before, await _node.BalanceAsync(Guard));
    }
}
