using System.Text.Json;

namespace AkkaRpc.Cli.Gateway;

/// <summary>The gateway's error body, <c>{"code": "...", "status": n, "message": "..."}</c>.</summary>
internal sealed record GatewayError(RpcStatusCode Code, int Status, string Message)
{
    /// <summary>The error in <paramref name="body"/>, or null when it is not an AkkaRpc error body.</summary>
    public static GatewayError? Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("status", out var status) || !status.TryGetInt32(out var number)
                || !Enum.IsDefined((RpcStatusCode)number))
                return null;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
            return new GatewayError((RpcStatusCode)number, number, message);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
