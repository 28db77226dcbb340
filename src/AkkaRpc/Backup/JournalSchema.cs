namespace AkkaRpc.Backup;

/// <summary>
/// The tables a restore creates in a database that has none yet. They are the tables Akka.Persistence.Sql 1.5.73
/// creates itself with <c>auto-initialize = on</c> (copied from the DDL it produced in SQLite's <c>sqlite_master</c> and
/// PostgreSQL's <c>pg_dump -s</c>), so a node started on the restored database finds them and creates nothing. Every
/// statement is <c>IF NOT EXISTS</c>: restoring into tables a node already made is fine.
/// </summary>
internal static class JournalSchema
{
    public static readonly string[] Tables = ["journal", "tags", "snapshot"];

    /// <summary>The SQLite tables with their primary keys only; <see cref="SqliteIndexes"/> follow the bulk load.</summary>
    public static readonly string[] SqliteTables =
    [
        """
        CREATE TABLE IF NOT EXISTS [journal] (
          [ordering] INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, [created] INTEGER NOT NULL, [deleted] Bit NOT NULL,
          [persistence_id] NVarChar(255) NOT NULL, [sequence_number] INTEGER NOT NULL, [message] VarBinary NOT NULL,
          [manifest] NVarChar(500) NULL, [identifier] INTEGER NULL, [writer_uuid] NVarChar(128) NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS [tags] (
          [ordering_id] INTEGER NOT NULL, [tag] NVarChar(64) NOT NULL, [sequence_nr] INTEGER NOT NULL,
          [persistence_id] NVarChar(255) NOT NULL, CONSTRAINT [PK_tags] PRIMARY KEY ([ordering_id], [tag]))
        """,
        """
        CREATE TABLE IF NOT EXISTS [snapshot] (
          [persistence_id] NVarChar(255) NOT NULL, [sequence_number] INTEGER NOT NULL, [created] INTEGER NOT NULL,
          [snapshot] VarBinary NULL, [manifest] NVarChar(500) NULL, [serializer_id] INTEGER NULL,
          CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number]))
        """,
    ];

    /// <summary>
    /// The SQLite secondary indexes. A restore creates them after the rows are in (one sorted build instead of a random
    /// B-tree insert per row); the unique one still refuses duplicate (persistence id, sequence number) pairs then,
    /// failing the whole restore. <c>IF NOT EXISTS</c>: in tables a node made, they are already there.
    /// </summary>
    public static readonly string[] SqliteIndexes =
    [
        "CREATE UNIQUE INDEX IF NOT EXISTS journal_uq ON journal (persistence_id, sequence_number)",
        "CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created)",
        "CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number)",
        "CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr)",
        "CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag)",
        "CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number)",
        "CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created)",
    ];

    /// <summary>Every PostgreSQL table and index, for tables that may already exist (a node made them).</summary>
    public static readonly string[] PostgreSql =
    [
        """
        CREATE TABLE IF NOT EXISTS journal (
          ordering bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT "PK_journal" PRIMARY KEY, created bigint NOT NULL,
          deleted boolean NOT NULL, persistence_id text NOT NULL, sequence_number bigint NOT NULL, message bytea NOT NULL,
          manifest text, identifier integer, writer_uuid text,
          CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number))
        """,
        "CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created)",
        "CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number)",
        """
        CREATE TABLE IF NOT EXISTS tags (
          ordering_id bigint NOT NULL, tag text NOT NULL, sequence_nr bigint NOT NULL, persistence_id text NOT NULL,
          CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag))
        """,
        "CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr)",
        "CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag)",
        """
        CREATE TABLE IF NOT EXISTS snapshot (
          persistence_id text NOT NULL, sequence_number bigint NOT NULL, created bigint NOT NULL, snapshot bytea,
          manifest text, serializer_id integer, CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number))
        """,
        "CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number)",
        "CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created)",
    ];

    /// <summary>
    /// The PostgreSQL tables with their primary keys only, for a restore that creates them itself;
    /// <see cref="PostgreSqlIndexes"/> follow the bulk load. Together they are what <see cref="PostgreSql"/> makes.
    /// </summary>
    public static readonly string[] PostgreSqlTables =
    [
        """
        CREATE TABLE journal (
          ordering bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT "PK_journal" PRIMARY KEY, created bigint NOT NULL,
          deleted boolean NOT NULL, persistence_id text NOT NULL, sequence_number bigint NOT NULL, message bytea NOT NULL,
          manifest text, identifier integer, writer_uuid text)
        """,
        """
        CREATE TABLE tags (
          ordering_id bigint NOT NULL, tag text NOT NULL, sequence_nr bigint NOT NULL, persistence_id text NOT NULL,
          CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag))
        """,
        """
        CREATE TABLE snapshot (
          persistence_id text NOT NULL, sequence_number bigint NOT NULL, created bigint NOT NULL, snapshot bytea,
          manifest text, serializer_id integer, CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number))
        """,
    ];

    /// <summary>The PostgreSQL unique constraint and secondary indexes, built after a restore's bulk load.</summary>
    public static readonly string[] PostgreSqlIndexes =
    [
        "ALTER TABLE journal ADD CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number)",
        "CREATE INDEX journal_created_idx ON journal (created)",
        "CREATE INDEX journal_sequence_number_idx ON journal (sequence_number)",
        "CREATE INDEX tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr)",
        "CREATE INDEX tags_tag_idx ON tags (tag)",
        "CREATE INDEX snapshot_sequence_number_idx ON snapshot (sequence_number)",
        "CREATE INDEX snapshot_created_idx ON snapshot (created)",
    ];
}
