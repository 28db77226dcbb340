using Akka.Configuration;
using AkkaRpc.Persistence;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Persistence;

public class JournalSettingsTests
{
    [Theory]
    [InlineData(SqliteSynchronous.Normal, 1L)]
    [InlineData(SqliteSynchronous.Full, 2L)]
    [InlineData(SqliteSynchronous.Extra, 3L)]
    public void A_journal_connection_should_open_with_the_configured_synchronous_level_and_busy_timeout(SqliteSynchronous level, long expected)
    {
        using var folder = new TempFolder();
        var connectionString = $"Data Source={folder.File("journal.db")};Pooling=False";
        SqliteFile.Prepare(connectionString);
        using var connection = SqliteConnections.Create(connectionString, level);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        Assert.Equal(expected, (long)command.ExecuteScalar()!);
        command.CommandText = "PRAGMA busy_timeout;";
        Assert.Equal((long)SqliteConnections.BusyTimeout.TotalMilliseconds, (long)command.ExecuteScalar()!);
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }

    [Fact]
    public void A_journal_connection_should_open_with_the_configured_checkpoint_size_and_sqlites_own_without_one()
    {
        using var folder = new TempFolder();
        var connectionString = $"Data Source={folder.File("journal.db")};Pooling=False";
        SqliteFile.Prepare(connectionString);
        Assert.Equal(16_000L, CheckpointPages(SqliteConnections.Create(connectionString, checkpointPages: 16_000)));
        Assert.Equal(1_000L, CheckpointPages(SqliteConnections.Create(connectionString)));

        static long CheckpointPages(Microsoft.Data.Sqlite.SqliteConnection connection)
        {
            using (connection)
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_autocheckpoint;";
                return (long)command.ExecuteScalar()!;
            }
        }
    }

    [Fact]
    public void The_journal_block_should_carry_the_writers_checkpoint_size()
    {
        Assert.Equal(16_000, Rendered(new PersistenceOptions { Provider = JournalProvider.Sqlite }).GetInt(SqlJournal.SqliteCheckpointPagesKey));
        var options = new PersistenceOptions { Provider = JournalProvider.Sqlite, SqliteCheckpointPages = 2_500 };
        Assert.Equal(2_500, Rendered(options).GetInt(SqlJournal.SqliteCheckpointPagesKey));
    }

    [Fact]
    public void The_sqlite_journal_should_use_one_writer_no_connection_clones_and_deferred_reads()
    {
        var options = new PersistenceOptions { Provider = JournalProvider.Sqlite, JournalBatchSize = 250 };
        var journal = Rendered(options);
        Assert.Equal(250, journal.GetInt("batch-size"));
        Assert.Equal(1, journal.GetInt("parallelism"));
        Assert.False(journal.GetBoolean("use-clone-connection"));
        Assert.Equal("read-uncommitted", journal.GetString("read-isolation-level"));
    }

    [Fact]
    public void The_postgres_journal_should_keep_the_plugin_defaults_for_clones_and_reads_and_one_batched_writer_lane()
    {
        var options = new PersistenceOptions { Provider = JournalProvider.PostgreSql, ConnectionString = "Host=127.0.0.1" };
        var journal = Rendered(options);
        Assert.Equal(1, journal.GetInt("parallelism"));
        Assert.True(journal.GetBoolean("use-clone-connection"));
        Assert.False(journal.HasPath("read-isolation-level"));
    }

    [Fact]
    public void The_postgres_journal_should_keep_the_plugins_parallelism_on_the_plugins_write_path_and_an_explicit_one()
    {
        var plugin = new PersistenceOptions { Provider = JournalProvider.PostgreSql, ConnectionString = "Host=127.0.0.1", BatchedJournalWrites = false };
        Assert.Equal(3, Rendered(plugin).GetInt("parallelism"));
        var explicitLanes = new PersistenceOptions { Provider = JournalProvider.PostgreSql, ConnectionString = "Host=127.0.0.1", JournalParallelism = 4 };
        Assert.Equal(4, Rendered(explicitLanes).GetInt("parallelism"));
    }

    [Theory]
    [InlineData(true, SqliteSynchronous.Normal)]
    [InlineData(false, SqliteSynchronous.Full)]
    public void The_journal_block_should_carry_the_batched_writer_switch_and_the_writers_synchronous_level(bool batched, SqliteSynchronous level)
    {
        var options = new PersistenceOptions { Provider = JournalProvider.Sqlite, BatchedJournalWrites = batched, SqliteSynchronous = level };
        var journal = Rendered(options);
        Assert.Equal(batched, journal.GetBoolean(SqlJournal.BatchedWritesKey));
        Assert.Equal(level.ToString(), journal.GetString(SqlJournal.SqliteSynchronousKey));
        Assert.True(new PersistenceOptions().BatchedJournalWrites);
    }

    // The plugin block as our options render it, without the plugin's own defaults underneath.
    [Theory]
    [InlineData(JournalProvider.Sqlite, "Data Source=journal.db")]
    [InlineData(JournalProvider.PostgreSql, "Host=127.0.0.1")]
    public void SQL_journals_should_run_without_the_replay_filter(JournalProvider provider, string connectionString)
    {
        // journal_uq (persistence_id, sequence_number) already rules out the interleaved writers the filter repairs,
        // and the filter costs an actor per recovery (docs/disaster-recovery.md, item 9).
        var journal = Rendered(new PersistenceOptions { Provider = provider, ConnectionString = connectionString });
        Assert.Equal("off", journal.GetString("replay-filter.mode"));
    }

    private static Config Rendered(PersistenceOptions options) =>
        ConfigurationFactory.ParseString(
                new SqlJournalPluginOptions(options.EffectiveConnectionString, options.EffectiveProviderName, options).ToString())
            .GetConfig("akka.persistence.journal.sql");

    [Theory]
    [InlineData("JournalBatchSize")]
    [InlineData("JournalParallelism")]
    [InlineData("JournalBufferSize")]
    [InlineData("MaxConcurrentRecoveries")]
    [InlineData("SqliteCheckpointPages")]
    public void A_journal_knob_of_zero_should_be_rejected_naming_it(string setting)
    {
        var options = new PersistenceOptions();
        typeof(PersistenceOptions).GetProperty(setting)!.SetValue(options, 0);
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains($"Persistence:{setting}", error.Message);
    }
}
