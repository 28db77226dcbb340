using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AkkaRpc.Gateway.Grpc;
using AkkaRpc.Gateway.Http;
using AkkaRpc.Tests.Infrastructure;
using Google.Protobuf;

namespace AkkaRpc.Tests.Gateway;

/// <summary>What one HTTP gateway call answered.</summary>
public sealed record HttpAnswer(HttpStatusCode Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>The error's code name (errors only).</summary>
    public string Code => Json.GetProperty("code").GetString()!;

    public string Message => Json.GetProperty("message").GetString()!;

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>Small helpers over the real HTTP and gRPC clients of a <see cref="GatewayNode"/>.</summary>
public static class GatewayClient
{
    public static async Task<HttpAnswer> PostAsync(this GatewayNode node, string service, string method, string? body,
        string? idempotencyKey = null, string? timeoutMs = null, string contentType = "application/json", string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/rpc/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(method)}");
        request.Content = new ByteArrayContent(body is null ? [] : Encoding.UTF8.GetBytes(body));
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation(HttpRpcEndpoint.IdempotencyKeyHeader, idempotencyKey);
        if (timeoutMs is not null) request.Headers.TryAddWithoutValidation(HttpRpcEndpoint.TimeoutHeader, timeoutMs);
        if (key is not null) request.Headers.TryAddWithoutValidation(HttpRpcEndpoint.KeyHeader, key);
        using var response = await node.Http.SendAsync(request);
        return new HttpAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>(balance, transactions) of an account, read through the HTTP gateway.</summary>
    public static async Task<(long Balance, long Transactions)> BalanceAsync(this GatewayNode node, string account)
    {
        var answer = await node.PostAsync("accounts", "GetBalance", $$"""{"accountId":"{{account}}"}""");
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        return (answer.Json.GetProperty("balance").GetInt64(), answer.Json.GetProperty("transactions").GetInt64());
    }

    public static async Task OpenWithAsync(this GatewayNode node, string account, long deposit)
    {
        var open = await node.PostAsync("accounts", "Open", $$"""{"accountId":"{{account}}","owner":"test"}""", idempotencyKey: $"open-{account}");
        Assert.True(open.Status == HttpStatusCode.OK, open.ToString());
        var dep = await node.PostAsync("accounts", "Deposit", $$"""{"accountId":"{{account}}","amount":{{deposit}}}""", idempotencyKey: $"seed-{account}");
        Assert.True(dep.Status == HttpStatusCode.OK, dep.ToString());
    }

    public static CallRequest JsonCall(string service, string method, string json, string? idempotencyKey = null)
    {
        var call = new CallRequest { Service = service, Method = method, Json = json };
        if (idempotencyKey is not null) call.IdempotencyKey = idempotencyKey;
        return call;
    }

    public static CallRequest MsgPackCall<T>(string service, string method, T value, string? idempotencyKey = null)
    {
        var call = new CallRequest
        {
            Service = service,
            Method = method,
            Msgpack = ByteString.CopyFrom(MessagePack.MessagePackSerializer.Serialize(value)),
        };
        if (idempotencyKey is not null) call.IdempotencyKey = idempotencyKey;
        return call;
    }
}
