using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// The journal's write path when batched writes are on: serializes each <see cref="AtomicWrite"/> to the plugin's row
/// format, rejects only the writes that cannot be serialized (Akka's contract: one exception per rejected write, the
/// rest stored), and hands the rows to the <see cref="BatchedJournalWriter"/>. A database failure fails the whole task.
/// </summary>
internal sealed class JournalWrites
{
    private readonly JournalRowSerializer _serializer;
    private readonly BatchedJournalWriter _writer;

    private JournalWrites(JournalRowSerializer serializer, BatchedJournalWriter writer)
    {
        _serializer = serializer;
        _writer = writer;
    }

    /// <summary>
    /// The batched write path for this journal configuration, or null where the plugin's own path stays: batched
    /// writes off, a database we have no writer for, or a table layout other than the one our rows fit (tags in the
    /// tags table, a writer-uuid column, no event-manifest column).
    /// </summary>
    public static JournalWrites? Create(Config config, ExtendedActorSystem system)
    {
        if (!config.GetBoolean(SqlJournal.BatchedWritesKey, false)) return null;
        var journalConfig = new JournalConfig(config);
        var tables = journalConfig.TableConfig;
        if (journalConfig.PluginConfig.TagMode != TagMode.TagTable || !tables.EventJournalTable.UseWriterUuidColumn ||
            tables.UseEventManifestColumn)
            return null;

        var provider = config.GetString("provider-name", "");
        var connectionString = config.GetString("connection-string", "");
        var table = JournalTable.From(journalConfig);
        var writerUuid = Guid.NewGuid().ToString("N");
        var dao = journalConfig.DaoConfig;
        IJournalInserter[] inserters;
        if (provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            var synchronous = Enum.Parse<SqliteSynchronous>(config.GetString(SqlJournal.SqliteSynchronousKey, nameof(SqliteSynchronous.Full)), true);
            var checkpointPages = config.GetInt(SqlJournal.SqliteCheckpointPagesKey, 0);
            // One lane: SQLite has one writer lock per file, so a second transaction of this node would only wait.
            inserters = [new SqliteJournalInserter(connectionString, synchronous, checkpointPages, table, writerUuid)];
        }
        else if (provider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            inserters = Enumerable.Range(0, Math.Max(1, dao.Parallelism))
                .Select(IJournalInserter (_) => new PostgresJournalInserter(connectionString, table, writerUuid)).ToArray();
        }
        else
        {
            return null;
        }

        var defaultSerializer = config.GetString("serializer", null);
        return new JournalWrites(new JournalRowSerializer(system, string.IsNullOrEmpty(defaultSerializer) ? null : defaultSerializer),
            new BatchedJournalWriter(inserters, Math.Max(1, dao.BatchSize), Math.Max(1, dao.BufferSize)));
    }

    /// <summary>The writes of one entity (one persistence id), as Akka.Persistence hands them to the journal.</summary>
    public Task<IImmutableList<Exception>> WriteAsync(IReadOnlyList<AtomicWrite> writes)
    {
        var now = DateTime.UtcNow.Ticks;
        Exception?[]? rejections = null;
        var rows = new List<JournalRowData>();
        for (var i = 0; i < writes.Count; i++)
        {
            var serialized = _serializer.TrySerialize(writes[i], now, out var rejection);
            if (serialized is null)
            {
                rejections ??= new Exception?[writes.Count];
                rejections[i] = rejection;
                continue;
            }
            rows.AddRange(serialized);
        }

        // Akka's contract: one entry per write, null where the write is stored.
        IImmutableList<Exception> results = ImmutableList.Create(rejections ?? new Exception?[writes.Count])!;
        if (rows.Count == 0) return Task.FromResult<IImmutableList<Exception>>(results);
        return Complete(_writer.WriteAsync(writes[0].PersistenceId, rows.ToArray()), results);
    }

    private static async Task<IImmutableList<Exception>> Complete(Task write, IImmutableList<Exception> results)
    {
        await write.ConfigureAwait(false);
        return results;
    }

    /// <summary>Stops the writer; queued writes fail.</summary>
    public void Stop() => _ = _writer.DisposeAsync().AsTask();
}
