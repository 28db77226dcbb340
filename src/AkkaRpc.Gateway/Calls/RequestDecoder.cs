using System.Text.Json;
using System.Text.Json.Serialization;
using AkkaRpc.Serialization;

namespace AkkaRpc.Gateway.Calls;

/// <summary>
/// Turns a payload from outside into the request record its service and method name, and a response record into
/// bytes. Strict on purpose: a missing, unknown or null property is an error the caller sees, never a default value
/// that quietly reaches an entity.
/// </summary>
public static class RequestDecoder
{
    /// <summary>JSON settings of the gateway: camelCase, required constructor parameters, no unknown properties.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>Decodes <paramref name="payload"/> as a <paramref name="requestType"/>; an error says what was wrong.</summary>
    public static (IRpcRequest? Request, RpcError? Error) Decode(Type requestType, ReadOnlyMemory<byte> payload, PayloadFormat format)
    {
        try
        {
            var value = format == PayloadFormat.Json
                ? DecodeJson(requestType, payload.Span)
                : RpcPayloads.Deserialize(requestType, payload);
            return value is IRpcRequest request
                ? (request, null)
                : (null, RpcError.InvalidArgument($"the payload is not a {requestType.Name}"));
        }
        catch (JsonException e)
        {
            return (null, RpcError.InvalidArgument($"the JSON body is not a valid {requestType.Name}: {e.Message}"));
        }
        catch (FormatException e)
        {
            return (null, RpcError.InvalidArgument(e.Message));
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // Converters throw these for values they cannot represent (e.g. an int overflowing a long).
            return (null, RpcError.InvalidArgument($"the payload cannot be read as a {requestType.Name}: {e.Message}"));
        }
    }

    private static object? DecodeJson(Type requestType, ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty) throw new FormatException($"the body is empty: send the {requestType.Name} as a JSON object");
        return JsonSerializer.Deserialize(json, requestType, JsonOptions)
               ?? throw new FormatException($"the body is JSON null: send the {requestType.Name} as a JSON object");
    }

    /// <summary>Encodes a response record in <paramref name="format"/>.</summary>
    public static byte[] Encode(IRpcMessage response, PayloadFormat format) => format == PayloadFormat.Json
        ? JsonSerializer.SerializeToUtf8Bytes(response, response.GetType(), JsonOptions)
        : RpcPayloads.Serialize(response);
}
