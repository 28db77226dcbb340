using System.Data.Common;
using Akka.Actor;
using Akka.Persistence;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Turns journal and snapshot rows into what Akka.Persistence.Sql 1.5.73 hands to Akka.Persistence for them
/// (ByteArrayJournalSerializer.Deserialize, ByteArrayLongSnapshotSerializer.ReadSnapshot): the payload through Akka
/// serialization by serializer id and manifest (or, for rows written without an id, by the CLR type named in the
/// manifest and the plugin's default serializer), with the row's sequence number, persistence id, manifest, writer
/// uuid and timestamp.
/// </summary>
internal sealed class RecoveryPayloads(ActorSystem system, string? defaultSerializer)
{
    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    /// <summary>
    /// A replayed event from a row of <see cref="RecoverySql.Journal.Replay"/>. Deleted rows never get here (the
    /// query leaves them out, as the plugin's does), so the event is not deleted.
    /// </summary>
    public Persistent Event(DbDataReader row, string persistenceId, bool readsWriterUuid)
    {
        var sequenceNr = row.GetInt64(0);
        var message = (byte[])row.GetValue(1);
        int? identifier = row.IsDBNull(2) ? null : row.GetInt32(2);
        var manifest = row.IsDBNull(3) ? null : row.GetString(3);
        var timestamp = row.GetInt64(4);
        var writerUuid = readsWriterUuid && !row.IsDBNull(5) ? row.GetString(5) : null;
        var payload = Payload(message, identifier, manifest, "journal row", persistenceId, sequenceNr);
        return new Persistent(payload, sequenceNr, persistenceId, manifest, isDeleted: false, ActorRefs.NoSender, writerUuid, timestamp);
    }

    /// <summary>A snapshot from a row of one of the <see cref="RecoverySql.Snapshot"/> statements.</summary>
    public SelectedSnapshot Snapshot(DbDataReader row, string persistenceId)
    {
        var sequenceNr = row.GetInt64(0);
        // The plugin stores DateTime ticks and reads them back as new DateTime(ticks): Kind Unspecified, like it.
        var created = new DateTime(row.GetInt64(1));
        var data = row.IsDBNull(2) ? null! : (byte[])row.GetValue(2);
        var manifest = row.IsDBNull(3) ? null : row.GetString(3);
        int? serializerId = row.IsDBNull(4) ? null : row.GetInt32(4);
        var payload = Payload(data, serializerId, manifest, "snapshot", persistenceId, sequenceNr);
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, sequenceNr, created), payload);
    }

    // The row is named by plain arguments, not a message-making closure: that closure cost an allocation on every
    // replayed row, and only a failing row needs the message.
    private object Payload(byte[] bytes, int? serializerId, string? manifest, string what, string persistenceId, long sequenceNr)
    {
        try
        {
            if (serializerId is { } id) return _serialization.Deserialize(bytes, id, manifest);
            // Rows from before serializer ids were stored: the manifest names the CLR type.
            var type = Type.GetType(manifest ?? "", throwOnError: true)!;
            var serializer = _serialization.FindSerializerForType(type, defaultSerializer);
            return Akka.Serialization.Serialization.WithTransport((ExtendedActorSystem)system, () => serializer.FromBinary(bytes, type));
        }
        catch (Exception e)
        {
            // The plugin fails the replay with the serializer's bare exception; this names the row that failed.
            throw new RecoveryReadException(
                $"{what} {persistenceId} #{sequenceNr} could not be deserialized (serializer {serializerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, " +
                $"manifest '{manifest}'): {e.Message}", e);
        }
    }
}

/// <summary>A stored event or snapshot that could not be turned back into its object: the entity's recovery fails.</summary>
public sealed class RecoveryReadException : Exception
{
    /// <summary>Names the row and the serializer that failed.</summary>
    public RecoveryReadException(string message, Exception inner) : base(message, inner)
    {
    }
}
