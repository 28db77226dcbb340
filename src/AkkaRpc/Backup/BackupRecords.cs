namespace AkkaRpc.Backup;

/// <summary>
/// One row of the journal and snapshot tables that Akka.Persistence.Sql 1.5.73 creates with its default table mapping
/// (<c>journal</c>, <c>tags</c>, <c>snapshot</c>; column names read from real SQLite and PostgreSQL databases). A backup,
/// an export and a restore move these rows unchanged, bytes and all, so a restored journal is the journal.
/// </summary>
public abstract record BackupRecord;

/// <summary>A row of <c>journal</c>.</summary>
/// <param name="Ordering">Global insertion order (<c>ordering</c>); kept on restore so event-by-tag queries keep their order.</param>
/// <param name="Created">Write time in .NET ticks (<c>created</c>).</param>
/// <param name="Deleted">Logically deleted (<c>deleted</c>).</param>
/// <param name="PersistenceId">The entity's persistence id (<c>persistence_id</c>).</param>
/// <param name="SequenceNr">Sequence number within the persistence id (<c>sequence_number</c>).</param>
/// <param name="Message">The serialized payload (<c>message</c>).</param>
/// <param name="Manifest">The serializer manifest (<c>manifest</c>).</param>
/// <param name="SerializerId">The serializer id (<c>identifier</c>).</param>
/// <param name="WriterUuid">The writing journal instance (<c>writer_uuid</c>).</param>
public sealed record JournalRecord(
    long Ordering, long Created, bool Deleted, string PersistenceId, long SequenceNr, byte[] Message,
    string? Manifest, int? SerializerId, string? WriterUuid) : BackupRecord;

/// <summary>A row of <c>tags</c>.</summary>
/// <param name="OrderingId">The tagged journal row's ordering (<c>ordering_id</c>).</param>
/// <param name="Tag">The tag (<c>tag</c>).</param>
/// <param name="SequenceNr">The tagged row's sequence number (<c>sequence_nr</c>).</param>
/// <param name="PersistenceId">The tagged row's persistence id (<c>persistence_id</c>).</param>
public sealed record TagRecord(long OrderingId, string Tag, long SequenceNr, string PersistenceId) : BackupRecord;

/// <summary>A row of <c>snapshot</c>.</summary>
/// <param name="PersistenceId">The entity's persistence id (<c>persistence_id</c>).</param>
/// <param name="SequenceNr">The sequence number the snapshot covers (<c>sequence_number</c>).</param>
/// <param name="Created">Write time in .NET ticks (<c>created</c>).</param>
/// <param name="Snapshot">The serialized snapshot (<c>snapshot</c>).</param>
/// <param name="Manifest">The serializer manifest (<c>manifest</c>).</param>
/// <param name="SerializerId">The serializer id (<c>serializer_id</c>).</param>
public sealed record SnapshotRecord(
    string PersistenceId, long SequenceNr, long Created, byte[]? Snapshot, string? Manifest, int? SerializerId) : BackupRecord;

/// <summary>How many rows of each table.</summary>
/// <param name="Journal">Rows of <c>journal</c>.</param>
/// <param name="Tags">Rows of <c>tags</c>.</param>
/// <param name="Snapshots">Rows of <c>snapshot</c>.</param>
public sealed record RowCounts(long Journal, long Tags, long Snapshots)
{
    /// <summary>All rows.</summary>
    public long Total => Journal + Tags + Snapshots;
}
