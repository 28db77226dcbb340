using MessagePack;

namespace AkkaRpc.Serialization;

/// <summary>
/// Encodes and decodes single request and response records in MessagePack exactly as the cluster's serializer
/// does (attribute keys, untrusted-data limits), for edges such as the gateway that take payloads from outside.
/// </summary>
public static class RpcPayloads
{
    /// <summary>
    /// The request type registered for <paramref name="service"/>.<paramref name="method"/>, or null when no
    /// request type in this process carries that <see cref="RpcMethodAttribute"/>.
    /// </summary>
    public static Type? RequestTypeOf(string service, string method)
    {
        if (!WireTypes.IsValidName(service) || !WireTypes.IsValidName(method)) return null;
        var type = WireTypes.TypeOf($"{service}.{method}");
        // A [WireType] response or event could be named like a method; only real requests are callable.
        if (type is null || !typeof(IRpcRequest).IsAssignableFrom(type)) return null;
        var declared = WireTypes.MethodOf(type);
        return declared.Service == service && declared.Method == method ? type : null;
    }

    /// <summary>Reads one <paramref name="type"/> from <paramref name="bytes"/>; throws <see cref="FormatException"/> naming the problem.</summary>
    public static IRpcMessage Deserialize(Type type, ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty) throw new FormatException("the MessagePack payload is empty");
        object? value;
        long read;
        try
        {
            var reader = new MessagePackReader(bytes);
            value = MessagePackSerializer.Deserialize(type, ref reader, RpcSerializer.Options);
            read = reader.Consumed;
        }
        catch (MessagePackSerializationException e)
        {
            throw new FormatException($"the MessagePack payload is not a {type.Name}: {e.GetBaseException().Message}", e);
        }
        if (read != bytes.Length)
            throw new FormatException($"the MessagePack payload has {bytes.Length - read} bytes after the {type.Name}");
        return value as IRpcMessage ?? throw new FormatException($"the MessagePack payload decoded to no {type.Name}");
    }

    /// <summary>Writes <paramref name="value"/> as MessagePack.</summary>
    public static byte[] Serialize(IRpcMessage value) =>
        MessagePackSerializer.Serialize(value.GetType(), value, RpcSerializer.Options);
}
