using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using AkkaRpc.Serialization;
using MessagePack;

namespace AkkaRpc.Entities;

/// <summary>
/// A short digest of a request (its wire name and its MessagePack bytes), remembered with the request id so that
/// an idempotency key reused for a DIFFERENT request is refused instead of being answered with the old reply.
/// </summary>
/// <remarks>
/// Computed where the request is applied, from the record the entity received, so callers need not send it and
/// every node computes the same bytes. 128 bits of SHA-256: a collision between two different requests under one
/// key of one entity is not a practical concern.
/// </remarks>
internal static class RequestFingerprint
{
    public const int Length = 16;

    public static byte[] Of(IRpcRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Write(Encoding.UTF8.GetBytes(WireTypes.NameOf(request.GetType())));
        buffer.Write<byte>([0]);
        var writer = new MessagePackWriter(buffer);
        MessagePackSerializer.Serialize(request.GetType(), ref writer, request, RpcSerializer.Options);
        writer.Flush();
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return hash[..Length].ToArray();
    }

    /// <summary>True when both are known and differ; a row written before fingerprints existed matches anything.</summary>
    public static bool Conflicts(byte[]? remembered, byte[] incoming) =>
        remembered is not null && !remembered.AsSpan().SequenceEqual(incoming);
}
