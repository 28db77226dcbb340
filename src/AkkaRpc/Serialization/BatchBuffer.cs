using System.Buffers;
using AkkaRpc.Protocol;
using MessagePack;

namespace AkkaRpc.Serialization;

/// <summary>
/// Encodes the envelopes of one batch as they arrive, into a buffer reused from batch to batch, so a call costs no
/// allocation of its own on the way out and the batch knows its exact size. An envelope that cannot be encoded is
/// refused whole and leaves the batch as it was.
/// </summary>
internal sealed class BatchBuffer
{
    private readonly ArrayBufferWriter<byte> _body = new(16 * 1024);
    private readonly ArrayBufferWriter<byte> _item = new(512);

    /// <summary>Envelopes in the current batch.</summary>
    public int Count { get; private set; }

    /// <summary>Encoded size of the current batch.</summary>
    public int Bytes => _body.WrittenCount;

    /// <summary>Appends <paramref name="call"/>; false (batch unchanged) when it cannot be encoded.</summary>
    public bool TryAdd(RpcCall call, out Exception? error) =>
        TryAppend(call, static (ref MessagePackWriter w, RpcCall c) => RpcSerializer.WriteCall(ref w, c), out error);

    /// <summary>Appends <paramref name="reply"/>; false (batch unchanged) when it cannot be encoded.</summary>
    public bool TryAdd(RpcReply reply, out Exception? error) =>
        TryAppend(reply, static (ref MessagePackWriter w, RpcReply r) => RpcSerializer.WriteReply(ref w, r), out error);

    private delegate void ItemWriter<in T>(ref MessagePackWriter writer, T item);

    // Encodes into the scratch buffer first, so an item that fails half-way leaves the batch unchanged.
    private bool TryAppend<T>(T item, ItemWriter<T> write, out Exception? error)
    {
        _item.ResetWrittenCount();
        try
        {
            var writer = new MessagePackWriter(_item);
            write(ref writer, item);
            writer.Flush();
        }
        catch (Exception e) when (e is MessagePackSerializationException or ArgumentException or InvalidOperationException)
        {
            error = e;
            return false;
        }
        Append();
        error = null;
        return true;
    }

    /// <summary>The batch's bytes; the buffer starts the next batch.</summary>
    public byte[] Take()
    {
        var body = _body.WrittenSpan.ToArray();
        _body.ResetWrittenCount();
        Count = 0;
        return body;
    }

    // Encoded on the side first, so an envelope that throws halfway leaves no partial bytes in the batch.
    private void Append()
    {
        _body.Write(_item.WrittenSpan);
        Count++;
    }

    /// <summary>
    /// Reads the calls of a batch body into <paramref name="into"/>, in order. A malformed envelope throws
    /// <see cref="System.Runtime.Serialization.SerializationException"/>; the calls before it are already in the list.
    /// </summary>
    public static void ReadCalls(byte[] body, List<RpcCall> into)
    {
        var reader = new MessagePackReader(body);
        try
        {
            while (!reader.End) into.Add(RpcSerializer.ReadCall(ref reader));
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new System.Runtime.Serialization.SerializationException($"malformed call in a batch: {e.Message}", e);
        }
    }

    /// <summary>Reads the replies of a batch body into <paramref name="into"/>, like <see cref="ReadCalls"/>.</summary>
    public static void ReadReplies(byte[] body, List<RpcReply> into)
    {
        var reader = new MessagePackReader(body);
        try
        {
            while (!reader.End) into.Add(RpcSerializer.ReadReply(ref reader));
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new System.Runtime.Serialization.SerializationException($"malformed reply in a batch: {e.Message}", e);
        }
    }
}
