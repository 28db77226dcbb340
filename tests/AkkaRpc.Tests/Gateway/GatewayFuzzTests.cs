using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Gateway.Hosting;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Gateway;

/// <summary>
/// Thousands of random and mutated requests on both protocols (bounded in count and time, fixed seed), then: the node
/// still serves, no request got an internal error, and the guarded accounts (whose keys no mutation can produce)
/// are exactly as before.
/// </summary>
[Collection(ClusterCollection.Name)]
public class GatewayFuzzTests : IClassFixture<GatewayNodeFixture>
{
    private const int HttpRequests = 3000;
    private const int GrpcRequests = 1500;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    private static readonly string[] Seeds =
    [
        """{"accountId":"fz-1","owner":"fuzz"}""",
        """{"accountId":"fz-2","amount":5}""",
        """{"accountId":"fz-3","amount":1}""",
        """{"accountId":"fz-1"}""",
        """{"symbol":"FZ","quantity":3}""",
    ];

    private static readonly (string Service, string Method)[] Targets =
    [
        ("accounts", "Open"), ("accounts", "Deposit"), ("accounts", "Withdraw"), ("accounts", "GetBalance"),
        ("quotes", "GetQuote"), ("accounts", "Nope"), ("nope", "Deposit"), ("", ""), ("accounts", "AccountBalance"),
        ("a\u00e9\u4e2d", "\ud83d\ude00"), (new string('s', 300), "Deposit"), ("accounts", "Deposit/../Open"),
    ];

    private static readonly string[] Tokens =
        ["null", "true", "-1", "0", "1e400", "9223372036854775808", "\"\"", "\"x\"", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\"\\u0000\"", "1.5"];

    private readonly GatewayNode _node;
    private readonly ITestOutputHelper _output;

    public GatewayFuzzTests(GatewayNodeFixture fixture, ITestOutputHelper output)
    {
        _node = fixture.Node;
        _output = output;
    }

    [Fact]
    public async Task Random_and_mutated_requests_should_never_crash_the_node_or_touch_other_data()
    {
        string[] guards = ["guard-fuzz-1", "guard-fuzz-2", "guard-fuzz-3"];
        foreach (var guard in guards) await _node.OpenWithAsync(guard, 1000);
        var before = new Dictionary<string, (long, long)>();
        foreach (var guard in guards) before[guard] = await _node.BalanceAsync(guard);

        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var httpSent = 0;
        var grpcSent = 0;

        async Task HttpLoop(int worker)
        {
            var random = new Random(1000 + worker);
            while (Interlocked.Increment(ref httpSent) <= HttpRequests && clock.Elapsed < Budget)
            {
                var (service, method) = Targets[random.Next(Targets.Length)];
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/rpc/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(method)}");
                request.Content = new ByteArrayContent(Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)])));
                request.Content.Headers.ContentType = random.Next(10) == 0
                    ? new MediaTypeHeaderValue("text/plain")
                    : new MediaTypeHeaderValue("application/json");
                if (random.Next(3) == 0) request.Headers.TryAddWithoutValidation("Idempotency-Key", RandomText(random, random.Next(0, 140), ascii: true));
                if (random.Next(3) == 0) request.Headers.TryAddWithoutValidation("Rpc-Timeout-Ms", Tokens[random.Next(Tokens.Length)].Trim('"'));
                if (random.Next(8) == 0) request.Headers.TryAddWithoutValidation("Rpc-Key", RandomText(random, random.Next(0, 10), ascii: true));
                using var response = await _node.Http.SendAsync(request);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate($"http {status}", 1, (_, n) => n + 1);
                Assert.True(status < 500 || status is 503 or 504, $"HTTP {status}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        async Task GrpcLoop(int worker)
        {
            var random = new Random(2000 + worker);
            var raw = new Method<byte[], byte[]>(MethodType.Unary, "akkarpc.gateway.v1.RpcGateway", "Call",
                Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
            var invoker = _node.Channel.CreateCallInvoker();
            while (Interlocked.Increment(ref grpcSent) <= GrpcRequests && clock.Elapsed < Budget)
            {
                var (service, method) = Targets[random.Next(Targets.Length)];
                var call = new CallRequest { Service = service, Method = method };
                var payload = Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]));
                if (random.Next(2) == 0) call.Json = Encoding.UTF8.GetString(payload);
                else call.Msgpack = ByteString.CopyFrom(Mutate(random, MessagePack.MessagePackSerializer.ConvertFromJson(Seeds[random.Next(Seeds.Length)])));
                if (random.Next(3) == 0) call.IdempotencyKey = RandomText(random, random.Next(0, 140));
                if (random.Next(4) == 0) call.Key = RandomText(random, random.Next(0, 10));
                // Every so often the whole protobuf message is mutated too.
                var bytes = random.Next(4) == 0 ? Mutate(random, call.ToByteArray()) : call.ToByteArray();
                var deadline = random.Next(6) == 0 ? TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(random.Next(-2, 3)) : TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(30);
                StatusCode code;
                try
                {
                    await invoker.AsyncUnaryCall(raw, null, new Grpc.Core.CallOptions(deadline: deadline), bytes);
                    code = StatusCode.OK;
                }
                catch (Grpc.Core.RpcException e)
                {
                    code = e.StatusCode;
                    Assert.True(code is not (StatusCode.Unknown or StatusCode.Internal), $"gRPC {e.Status}");
                }
                statuses.AddOrUpdate($"grpc {code}", 1, (_, n) => n + 1);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(HttpLoop).Concat(Enumerable.Range(0, 4).Select(GrpcLoop)));
        _output.WriteLine($"fuzz: {statuses.Values.Sum()} requests in {clock.Elapsed.TotalSeconds:0.0} s: " +
                          string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}")));
        Assert.True(statuses.Values.Sum() >= 2000, $"only {statuses.Values.Sum()} requests were sent within {Budget}");

        Assert.Equal(HttpStatusCode.OK, (await _node.Http.GetAsync(GatewayHostingExtensions.ReadyPath)).StatusCode);
        foreach (var guard in guards) Assert.Equal(before[guard], await _node.BalanceAsync(guard));
        await _node.OpenWithAsync("after-fuzz", 7);
        Assert.Equal((7, 1), await _node.BalanceAsync("after-fuzz"));
    }

    /// <summary>One to three random edits: flip, delete, insert, duplicate, truncate, or splice in a JSON token.</summary>
    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        var edits = random.Next(0, 4);
        for (var i = 0; i < edits && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 8))); break;
                case 2: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))); break;
                case 3: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, random.Next(1, 16)))); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)])); break;
            }
        }
        return bytes.ToArray();
    }

    // HTTP clients send only printable ASCII in headers; gRPC strings carry any Unicode, control characters included.
    private static string RandomText(Random random, int length, bool ascii = false) =>
        new(Enumerable.Range(0, length).Select(_ => random.Next(10) != 0 ? (char)random.Next('a', 'z' + 1)
            : ascii ? (char)random.Next(0x20, 0x7f) : (char)random.Next(0x01, 0x3000)).ToArray());
}
