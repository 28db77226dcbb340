using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The database connections that serve recovery reads (snapshot load, highest sequence number, replay) of one plugin
/// instance, at most <c>readers</c> at a time, away from the journal's or snapshot store's actor thread.
/// Akka.Persistence.Sql runs those reads on the plugin actor's thread (Microsoft.Data.Sqlite's "async" calls are
/// synchronous), so a node recovered one entity at a time; readers here run side by side (SQLite WAL allows any
/// number of readers next to the one writer; PostgreSQL serves each connection on its own backend).
/// </summary>
internal abstract class RecoveryConnections : IDisposable
{
    private readonly SemaphoreSlim _slots;

    protected RecoveryConnections(int readers)
    {
        Readers = readers;
        _slots = new SemaphoreSlim(readers, readers);
    }

    /// <summary>Reads that may run at once.</summary>
    public int Readers { get; }

    /// <summary>
    /// Connections for the plugin's provider, or null when the provider is not one this fast path knows (the caller
    /// then keeps the plugin's own reads).
    /// </summary>
    public static RecoveryConnections? For(string? providerName, string? connectionString, int readers)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || string.IsNullOrWhiteSpace(providerName)) return null;
        // SQLite.MS is Microsoft.Data.Sqlite, the client AkkaRpc ships; SQLite.Classic (System.Data.SQLite) is not.
        if (providerName.Equals("SQLite.MS", StringComparison.OrdinalIgnoreCase)) return new Sqlite(connectionString, readers);
        if (providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase)) return new Postgres(connectionString, readers);
        return null;
    }

    /// <summary>
    /// Reads at once per plugin instance (the journal and the snapshot store each have their own): the configured number,
    /// or by provider. SQLite: 4, enough to keep 2 cores busy (a read is CPU work in the process, and every node on the
    /// machine reads the same file). PostgreSQL: 6, because a read there mostly waits on the network and the server, and
    /// 6 + 6 readers + the plugin's 3 write transactions stay under the node's pool of 20 connections
    /// (AkkaRpcHostingExtensions.DefaultPostgresPoolSize), so recovery never starves writes of a connection.
    /// </summary>
    public static int ReadersFor(int configured, string? providerName) =>
        configured > 0 ? configured
        : providerName is not null && providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) ? 6 : 4;

    /// <summary>The SQL dialect's literal for a false boolean column (SQLite stores the plugin's bit as 0/1).</summary>
    public abstract string False { get; }

    /// <summary>
    /// A table expression, aliased <c>ids</c> with one column <c>id</c>, of the persistence ids bound to the single
    /// parameter <see cref="RecoverySql.Ids"/> by <see cref="IdsValue"/>: one statement text serves any number of ids,
    /// so it is parsed and planned once.
    /// </summary>
    public abstract string IdTable { get; }

    /// <summary>The value of the <see cref="RecoverySql.Ids"/> parameter for <paramref name="ids"/>.</summary>
    public abstract object IdsValue(IReadOnlyList<string> ids);

    /// <summary>Runs <paramref name="read"/> on a reader connection once one is free.</summary>
    public async Task<T> ReadAsync<T>(Func<RecoveryConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(read, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    protected abstract Task<T> RunAsync<T>(Func<RecoveryConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken);

    public virtual void Dispose() => _slots.Dispose();

    /// <summary>
    /// SQLite: connections stay open for the plugin's life (each has its busy timeout set once, through
    /// <see cref="SqliteConnections"/>, and keeps its prepared statements), and every read runs on a pool thread,
    /// because Microsoft.Data.Sqlite blocks the calling thread for the whole query whatever the API says.
    /// </summary>
    private sealed class Sqlite(string connectionString, int readers) : RecoveryConnections(readers)
    {
        private readonly ConcurrentBag<RecoveryConnection> _idle = [];
        private int _disposed;

        public override string False => "0";

        // SQLite has no array parameter: the ids travel as one JSON array, unpacked by the built-in json_each.
        public override string IdTable => $"(SELECT value AS id FROM json_each({RecoverySql.Ids})) AS ids";

        public override object IdsValue(IReadOnlyList<string> ids) => System.Text.Json.JsonSerializer.Serialize(ids);

        protected override Task<T> RunAsync<T>(Func<RecoveryConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
            Task.Run(async () =>
            {
                if (!_idle.TryTake(out var connection))
                {
                    var opened = SqliteConnections.Create(connectionString);
                    try
                    {
                        opened.Open();
                    }
                    catch
                    {
                        opened.Dispose();
                        throw;
                    }
                    connection = new RecoveryConnection(opened);
                }
                var healthy = false;
                try
                {
                    var result = await read(connection, cancellationToken).ConfigureAwait(false);
                    healthy = true;
                    return result;
                }
                finally
                {
                    // A connection whose read failed may be mid-statement: close it rather than hand it on.
                    if (healthy && Volatile.Read(ref _disposed) == 0) _idle.Add(connection);
                    else connection.Dispose();
                }
            }, cancellationToken);

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            while (_idle.TryTake(out var connection)) connection.Dispose();
            base.Dispose();
        }
    }

    /// <summary>
    /// PostgreSQL: a connection from Npgsql's pool per read (the same pool, keyed by the connection string, that the
    /// plugin's own queries and writes use, so the node's connection cap holds), with Npgsql's real async I/O.
    /// </summary>
    private sealed class Postgres(string connectionString, int readers) : RecoveryConnections(readers)
    {
        public override string False => "FALSE";

        public override string IdTable => $"unnest({RecoverySql.Ids}) AS ids(id)";

        // Npgsql sends a string array as text[].
        public override object IdsValue(IReadOnlyList<string> ids) => ids as string[] ?? [.. ids];

        protected override async Task<T> RunAsync<T>(Func<RecoveryConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        {
            var opened = new NpgsqlConnection(connectionString);
            using var connection = new RecoveryConnection(opened);
            await opened.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await read(connection, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>One open reader connection and the commands prepared on it (reused while the connection lives).</summary>
internal sealed class RecoveryConnection(DbConnection connection) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The command for <paramref name="sql"/> with parameters named <paramref name="parameters"/>, in order.</summary>
    public DbCommand Command(string sql, params string[] parameters)
    {
        if (_commands.TryGetValue(sql, out var command)) return command;
        command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }
        _commands[sql] = command;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        connection.Dispose();
    }
}
