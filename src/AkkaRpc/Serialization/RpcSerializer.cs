using System.Buffers;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using AkkaRpc.Protocol;
using MessagePack;
using MessagePack.Resolvers;

namespace AkkaRpc.Serialization;

/// <summary>
/// MessagePack serializer for everything that is an <see cref="IRpcMessage"/>: remote calls and replies, journal
/// rows and snapshots. The manifest is the type's stable wire name, never its CLR name, so renaming a class does
/// not break an existing journal. Internal envelopes are written field by field with a length header, so fields can
/// be appended later and old rows still read.
/// </summary>
public sealed class RpcSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id stored in journal rows; never change it.</summary>
    public const int SerializerId = 7301;

    internal const string CallManifest = "rpc.call";
    internal const string ReplyManifest = "rpc.reply";
    internal const string AppliedManifest = "rpc.applied";
    internal const string SnapshotManifest = "rpc.snapshot";
    internal const string CallBatchManifest = "rpc.call-batch";
    internal const string ReplyBatchManifest = "rpc.reply-batch";

    /// <summary>
    /// Attribute-based contracts only (keys are explicit, so renaming a property is safe too), and the untrusted-data
    /// limits on, because a node deserializes what any peer or gateway caller sent.
    /// </summary>
    internal static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;

    /// <summary>Created by Akka's serialization extension.</summary>
    public RpcSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RpcCall => CallManifest,
        RpcReply => ReplyManifest,
        RpcCallBatch => CallBatchManifest,
        RpcReplyBatch => ReplyBatchManifest,
        AppliedCommand => AppliedManifest,
        EntitySnapshot => SnapshotManifest,
        _ => WireTypes.NameOf(o.GetType()),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        // A batch was encoded by its batcher, item by item, as it filled: its body is already the wire form.
        if (obj is RpcBatch batch) return batch.Body;
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = new MessagePackWriter(buffer);
        switch (obj)
        {
            case RpcCall call: WriteCall(ref writer, call); break;
            case RpcReply reply: WriteReply(ref writer, reply); break;
            case AppliedCommand applied: WriteApplied(ref writer, applied); break;
            case EntitySnapshot snapshot: WriteSnapshot(ref writer, snapshot); break;
            case IRpcMessage message: MessagePackSerializer.Serialize(message.GetType(), ref writer, message, Options); break;
            default: throw new ArgumentException($"{obj.GetType()} is not an IRpcMessage", nameof(obj));
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            var reader = new MessagePackReader(bytes);
            return manifest switch
            {
                CallManifest => ReadCall(ref reader),
                ReplyManifest => ReadReply(ref reader),
                AppliedManifest => ReadApplied(ref reader, bytes),
                SnapshotManifest => ReadSnapshot(ref reader, bytes),
                // Decoded item by item by the actor that receives it (NodeInbox, ReplyCorrelator), which can answer for
                // a malformed item instead of losing the whole batch.
                CallBatchManifest => new RpcCallBatch(bytes),
                ReplyBatchManifest => new RpcReplyBatch(bytes),
                _ => MessagePackSerializer.Deserialize(ResolveType(manifest), ref reader, Options)
                     ?? throw new SerializationException($"'{manifest}' deserialized to null"),
            };
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"Cannot read a '{manifest}': {e.Message}", e);
        }
    }

    private static Type ResolveType(string name) =>
        WireTypes.TypeOf(name) ?? throw new SerializationException($"Unknown wire type '{name}'");

    // ---- payloads: [wire name, value] or nil ----

    private static void WritePayload(ref MessagePackWriter writer, IRpcMessage? value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(2);
        writer.Write(WireTypes.NameOf(value.GetType()));
        MessagePackSerializer.Serialize(value.GetType(), ref writer, value, Options);
    }

    private static IRpcMessage? ReadPayload(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        if (reader.ReadArrayHeader() != 2) throw new SerializationException("A payload is [wire name, value]");
        var name = reader.ReadString() ?? throw new SerializationException("A payload has no wire name");
        var value = MessagePackSerializer.Deserialize(ResolveType(name), ref reader, Options);
        return value as IRpcMessage ?? throw new SerializationException($"'{name}' is not an IRpcMessage");
    }

    private static IRpcMessage ReadRequiredPayload(ref MessagePackReader reader, string what) =>
        ReadPayload(ref reader) ?? throw new SerializationException($"{what} is missing");

    // A remembered reply stays encoded until a retry asks for it (StoredReply): here only its extent is read, and it
    // points into the row's own bytes (no copy). Akka hands FromBinary an array of its own (a row read from the
    // database, a remote frame copied out), which nothing writes to afterwards.
    private static StoredReply ReadStoredReply(ref MessagePackReader reader, byte[] source, string what)
    {
        if (reader.TryReadNil()) throw new SerializationException($"{what} is missing");
        var start = (int)reader.Consumed;
        reader.Skip();
        return StoredReply.FromPayload(new ReadOnlyMemory<byte>(source, start, (int)reader.Consumed - start));
    }

    private static void WriteStoredReply(ref MessagePackWriter writer, StoredReply reply)
    {
        // Copied as it was read: never decoded just to be encoded again.
        if (!reply.Encoded.IsEmpty) writer.WriteRaw(reply.Encoded.Span);
        else WritePayload(ref writer, reply.Message);
    }

    /// <summary>Decodes a payload kept encoded by <see cref="StoredReply"/>.</summary>
    internal static IRpcMessage ReadStoredPayload(ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            return ReadRequiredPayload(ref reader, "the stored reply");
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"Cannot read a stored reply: {e.Message}", e);
        }
    }

    private static void SkipRest(ref MessagePackReader reader, int count, int read)
    {
        for (var i = read; i < count; i++) reader.Skip();
    }

    // ---- envelopes ----

    internal static void WriteCall(ref MessagePackWriter w, RpcCall c)
    {
        w.WriteArrayHeader(10);
        w.Write(c.CallId);
        w.Write(c.RequestId);
        w.Write(c.Service);
        w.Write(c.EntityKey);
        w.Write(c.HashKey);
        w.Write(c.DeadlineUnixMs);
        w.Write(c.Attempt);
        WritePayload(ref w, c.Request);
        w.Write(c.SentUnixMs);
        w.Write(c.AttemptTimeoutMs);
    }

    internal static RpcCall ReadCall(ref MessagePackReader r)
    {
        var count = r.ReadArrayHeader();
        if (count < 8) throw new SerializationException("rpc.call has too few fields");
        var callId = r.ReadInt64();
        var requestId = r.ReadString() ?? throw new SerializationException("rpc.call has no request id");
        var service = r.ReadString() ?? throw new SerializationException("rpc.call has no service");
        var entityKey = r.ReadString();
        var hashKey = r.ReadString();
        var deadline = r.ReadInt64();
        var attempt = r.ReadInt32();
        var request = ReadRequiredPayload(ref r, "rpc.call request") as IRpcRequest
                      ?? throw new SerializationException("rpc.call payload is not a request");
        var sent = count > 8 ? r.ReadInt64() : 0;
        var attemptTimeout = count > 9 ? r.ReadInt32() : 0;
        SkipRest(ref r, count, 10);
        return new RpcCall(callId, requestId, service, entityKey, hashKey, deadline, attempt, request, sent, attemptTimeout);
    }

    internal static void WriteReply(ref MessagePackWriter w, RpcReply r)
    {
        w.WriteArrayHeader(7);
        w.Write(r.CallId);
        w.Write((int)r.Code);
        w.Write(r.Message);
        WritePayload(ref w, r.Response);
        w.Write(r.ServedBy);
        w.Write(r.Deduplicated);
        w.Write(r.RetryAfterMs);
    }

    internal static RpcReply ReadReply(ref MessagePackReader r)
    {
        var count = r.ReadArrayHeader();
        if (count < 6) throw new SerializationException("rpc.reply has too few fields");
        var callId = r.ReadInt64();
        var code = (RpcStatusCode)r.ReadInt32();
        var message = r.ReadString();
        var response = ReadPayload(ref r);
        var servedBy = r.ReadString();
        var deduplicated = r.ReadBoolean();
        var retryAfter = count > 6 ? r.ReadInt32() : 0;
        SkipRest(ref r, count, 7);
        return new RpcReply(callId, code, message, response, servedBy, deduplicated, retryAfter);
    }

    private static void WriteApplied(ref MessagePackWriter w, AppliedCommand a)
    {
        // Field 4 (fingerprint) was appended later: readers of 3-field rows skip nothing, readers here accept both.
        w.WriteArrayHeader(4);
        w.Write(a.RequestId);
        w.WriteArrayHeader(a.Events.Count);
        foreach (var e in a.Events) WritePayload(ref w, e);
        WriteStoredReply(ref w, a.Reply);
        WriteBytes(ref w, a.Fingerprint);
    }

    private static void WriteBytes(ref MessagePackWriter w, byte[]? bytes)
    {
        if (bytes is null) w.WriteNil();
        else w.Write(bytes);
    }

    private static byte[]? ReadBytes(ref MessagePackReader r)
    {
        if (r.TryReadNil()) return null;
        return r.ReadBytes()?.ToArray();
    }

    private static AppliedCommand ReadApplied(ref MessagePackReader r, byte[] source)
    {
        var count = r.ReadArrayHeader();
        if (count < 3) throw new SerializationException("rpc.applied has too few fields");
        var requestId = r.ReadString() ?? throw new SerializationException("rpc.applied has no request id");
        var events = new IRpcMessage[r.ReadArrayHeader()];
        for (var i = 0; i < events.Length; i++) events[i] = ReadRequiredPayload(ref r, "rpc.applied event");
        var reply = ReadStoredReply(ref r, source, "rpc.applied reply");
        var fingerprint = count >= 4 ? ReadBytes(ref r) : null;
        SkipRest(ref r, count, Math.Min(count, 4));
        return new AppliedCommand(requestId, events, reply, fingerprint);
    }

    private static void WriteSnapshot(ref MessagePackWriter w, EntitySnapshot s)
    {
        // Field 3 (fingerprints, parallel to the entries) was appended later as its own array, so the [id, reply]
        // entries keep the shape older readers require.
        w.WriteArrayHeader(3);
        WritePayload(ref w, s.State);
        w.WriteArrayHeader(s.Recent.Count);
        foreach (var remembered in s.Recent)
        {
            w.WriteArrayHeader(2);
            w.Write(remembered.RequestId);
            WriteStoredReply(ref w, remembered.Reply);
        }
        w.WriteArrayHeader(s.Recent.Count);
        foreach (var remembered in s.Recent) WriteBytes(ref w, remembered.Fingerprint);
    }

    private static EntitySnapshot ReadSnapshot(ref MessagePackReader r, byte[] source)
    {
        var count = r.ReadArrayHeader();
        if (count < 2) throw new SerializationException("rpc.snapshot has too few fields");
        var state = ReadRequiredPayload(ref r, "rpc.snapshot state");
        var recent = new RememberedRequest[r.ReadArrayHeader()];
        for (var i = 0; i < recent.Length; i++)
        {
            if (r.ReadArrayHeader() != 2) throw new SerializationException("rpc.snapshot entry is [request id, reply]");
            var id = r.ReadString() ?? throw new SerializationException("rpc.snapshot entry has no request id");
            recent[i] = new RememberedRequest(id, ReadStoredReply(ref r, source, "rpc.snapshot reply"));
        }
        if (count >= 3)
        {
            var fingerprints = r.ReadArrayHeader();
            if (fingerprints != recent.Length) throw new SerializationException("rpc.snapshot has one fingerprint per entry");
            for (var i = 0; i < recent.Length; i++) recent[i] = recent[i] with { Fingerprint = ReadBytes(ref r) };
        }
        SkipRest(ref r, count, Math.Min(count, 3));
        return new EntitySnapshot(state, recent);
    }
}
