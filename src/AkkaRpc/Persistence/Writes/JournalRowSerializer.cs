using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Serialization;
using Akka.Util;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// Turns an <see cref="AtomicWrite"/> into the rows Akka.Persistence.Sql would store for it, with the same serializer
/// choice, manifest and created time, so recovery, queries and backups read our rows exactly as the plugin's.
/// </summary>
internal sealed class JournalRowSerializer
{
    private readonly ExtendedActorSystem _system;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly string? _defaultSerializer;

    public JournalRowSerializer(ExtendedActorSystem system, string? defaultSerializer)
    {
        _system = system;
        _serialization = system.Serialization;
        _defaultSerializer = defaultSerializer;
    }

    /// <summary>
    /// Whether every event of these writes can be stored as a plain row. Tagged events (they also need rows in the
    /// tags table) and events with an event-adapter manifest (a column the default schema lacks) are left to the
    /// plugin.
    /// </summary>
    public static bool IsPlain(IReadOnlyList<AtomicWrite> writes)
    {
        foreach (var write in writes)
        {
            foreach (var p in (IEnumerable<IPersistentRepresentation>)write.Payload)
            {
                if (p.Payload is Tagged || !string.IsNullOrEmpty(p.Manifest)) return false;
            }
        }
        return true;
    }

    /// <summary>The rows of one atomic write, or the exception that rejects it (nothing of it is stored then).</summary>
    public JournalRowData[]? TrySerialize(AtomicWrite write, long now, out Exception? rejection)
    {
        var events = (IReadOnlyList<IPersistentRepresentation>)write.Payload;
        var rows = new JournalRowData[events.Count];
        try
        {
            for (var i = 0; i < events.Count; i++) rows[i] = Serialize(events[i], now);
            rejection = null;
            return rows;
        }
        catch (Exception e)
        {
            rejection = e;
            return null;
        }
    }

    private JournalRowData Serialize(IPersistentRepresentation representation, long now)
    {
        var payload = representation.Payload;
        var serializer = _serialization.FindSerializerForType(payload.GetType(), _defaultSerializer);
        // The plugin serializes with the system's transport information set (actor references inside events
        // serialize with full addresses); the same here.
        var (message, manifest) = Akka.Serialization.Serialization.WithTransport<(Serializer, object), (byte[], string)>(_system, (serializer, payload), static state =>
        {
            var (s, p) = state;
            var manifest = s switch
            {
                SerializerWithStringManifest withManifest => withManifest.Manifest(p),
                { IncludeManifest: true } => p.GetType().TypeQualifiedName(),
                _ => string.Empty,
            };
            return (s.ToBinary(p), manifest);
        });
        return new JournalRowData(representation.Timestamp == 0 ? now : representation.Timestamp,
            representation.PersistenceId, representation.SequenceNr, message, manifest, serializer.Identifier);
    }
}
