using System.Data;
using LinqToDB;
using LinqToDB.DataProvider.SQLite;
using Microsoft.Data.Sqlite;

namespace AkkaRpc.Persistence;

/// <summary>
/// How the journal opens SQLite connections. Microsoft.Data.Sqlite answers a locked database by sleeping 150 ms and
/// trying again, so with several node processes on one file every contended write cost ~150 ms (measured here:
/// ~100 writes/s over 3 nodes). Setting SQLite's own <c>busy_timeout</c> on each connection makes SQLite wait for the
/// lock itself, in steps of a few milliseconds, and the managed retry never runs.
/// </summary>
internal static class SqliteConnections
{
    /// <summary>How long a write waits for another process's lock before it fails.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    public static DataOptions DataOptions(string connectionString, string providerName, SqliteSynchronous synchronous, int checkpointPages)
    {
        var provider = SQLiteTools.GetDataProvider(SQLiteProvider.Microsoft);
        // The plugin reads the provider name to pick its table mappings, so it is set next to the factory.
        return new DataOptions()
            .UseConnectionFactory(provider, _ => Create(connectionString, synchronous, checkpointPages: checkpointPages))
            .UseProvider(providerName);
    }

    /// <summary>
    /// A connection that sets the busy timeout, the synchronous level when given (null keeps SQLite's FULL), the
    /// memory-mapped size when above 0 and the WAL pages before an automatic checkpoint when above 0 (SQLite's 1,000
    /// otherwise), each time it opens: all are per-connection settings, and a pooled connection is opened again for
    /// every use.
    /// </summary>
    public static SqliteConnection Create(string connectionString, SqliteSynchronous? synchronous = null, long mmapBytes = 0, int checkpointPages = 0)
    {
        var pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};" + synchronous switch
        {
            SqliteSynchronous.Normal => " PRAGMA synchronous = NORMAL;",
            SqliteSynchronous.Full => " PRAGMA synchronous = FULL;",
            SqliteSynchronous.Extra => " PRAGMA synchronous = EXTRA;",
            _ => "",
        } + (mmapBytes > 0 ? $" PRAGMA mmap_size = {mmapBytes};" : "")
          + (checkpointPages > 0 ? $" PRAGMA wal_autocheckpoint = {checkpointPages};" : "");
        var connection = new SqliteConnection(connectionString);
        connection.StateChange += (sender, e) =>
        {
            if (e.CurrentState != ConnectionState.Open || sender is not SqliteConnection opened) return;
            using var command = opened.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
        };
        return connection;
    }
}
