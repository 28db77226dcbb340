namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// One journal row as Akka.Persistence.Sql stores it (table <c>journal</c>), minus <c>ordering</c>, which the database
/// assigns, and <c>deleted</c>, which a new row always has false.
/// </summary>
/// <param name="Created">Ticks (UTC), the plugin's <c>created</c>.</param>
/// <param name="PersistenceId">The entity's stream.</param>
/// <param name="SequenceNr">Position in the stream.</param>
/// <param name="Message">The serialized payload.</param>
/// <param name="Manifest">The serializer's manifest for the payload ("" when it has none, as the plugin writes).</param>
/// <param name="SerializerId">The serializer's identifier.</param>
internal readonly record struct JournalRowData(
    long Created, string PersistenceId, long SequenceNr, byte[] Message, string Manifest, int SerializerId);
