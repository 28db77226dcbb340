using Akka.Actor;
using Akka.Serialization;
using MessagePack;

namespace AkkaRpc.Bench.RawAkka;

/// <summary>
/// A plain Akka serializer writing the baseline's two messages with MessagePack: what a team using Akka.NET directly
/// would write after replacing the default JSON serializer (FACTS: JSON 22k calls/s, MessagePack 38k on this workload).
/// </summary>
public sealed class RawCounterSerializer : SerializerWithStringManifest
{
    private const string AddManifest = "a";
    private const string ValueManifest = "v";

    /// <summary>Created by Akka's serialization extension.</summary>
    public RawCounterSerializer(ExtendedActorSystem system) : base(system) { }

    /// <inheritdoc />
    public override int Identifier => 7390;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        RawAdd => AddManifest,
        RawValue => ValueManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a baseline message", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        RawAdd add => MessagePackSerializer.Serialize(add),
        RawValue value => MessagePackSerializer.Serialize(value),
        _ => throw new ArgumentException($"{obj.GetType()} is not a baseline message", nameof(obj)),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        AddManifest => MessagePackSerializer.Deserialize<RawAdd>(bytes),
        ValueManifest => MessagePackSerializer.Deserialize<RawValue>(bytes),
        _ => throw new ArgumentException($"unknown baseline manifest '{manifest}'", nameof(manifest)),
    };
}
