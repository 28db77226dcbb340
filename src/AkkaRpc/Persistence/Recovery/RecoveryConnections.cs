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
/// <remarks>
/// A connection stays open from one read to the next and keeps its commands, so a statement is compiled once per
/// connection, not once per read. A cold start reads ~2 statements per entity: handing each read a fresh pooled
/// PostgreSQL connection cost a <c>DISCARD ALL</c> and a parse and plan per statement (35,412 statements for 10,000
/// entities, half of them <c>DISCARD ALL</c>). Connections idle for <see cref="DefaultIdleLifetime"/> are closed, so after a
/// recovery wave they go back to the pool the plugin's writes draw from.
/// </remarks>
internal abstract class RecoveryConnections : IDisposable
{
    /// <summary>How long a reader connection may sit unused before it is closed, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultIdleLifetime = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _slots;
    private readonly object _gate = new();
    // Most recently returned last, so reads reuse the warm connections and the others age out.
    private readonly List<(RecoveryConnection Connection, long IdleSinceMs)> _idle = [];
    private readonly Timer _prune;
    private readonly long _idleLifetimeMs;
    private bool _disposed;

    protected RecoveryConnections(int readers, TimeSpan idleLifetime)
    {
        Readers = readers;
        _slots = new SemaphoreSlim(readers, readers);
        _idleLifetimeMs = (long)idleLifetime.TotalMilliseconds;
        _prune = new Timer(static state => ((RecoveryConnections)state!).CloseIdle(), this, idleLifetime, idleLifetime);
    }

    /// <summary>Reads that may run at once.</summary>
    public int Readers { get; }

    /// <summary>Reader connections open and unused right now (for tests).</summary>
    public int IdleConnections
    {
        get
        {
            lock (_gate) return _idle.Count;
        }
    }

    /// <summary>
    /// Connections for the plugin's provider, or null when the provider is not one this fast path knows (the caller
    /// then keeps the plugin's own reads).
    /// </summary>
    public static RecoveryConnections? For(string? providerName, string? connectionString, int readers, TimeSpan? idleLifetime = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || string.IsNullOrWhiteSpace(providerName)) return null;
        var lifetime = idleLifetime ?? DefaultIdleLifetime;
        // SQLite.MS is Microsoft.Data.Sqlite, the client AkkaRpc ships; SQLite.Classic (System.Data.SQLite) is not.
        if (providerName.Equals("SQLite.MS", StringComparison.OrdinalIgnoreCase)) return new Sqlite(connectionString, readers, lifetime);
        if (providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase)) return new Postgres(connectionString, readers, lifetime);
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

    /// <summary>
    /// Multi-id lookups (<see cref="CoalescedLookups{TKey, T}"/>) of one kind that may run at once; lookups that arrive while
    /// they run wait and share the next query. SQLite: as many as there are readers (one at a time made each entity
    /// wait 19 ms instead of 7 ms for no gain).
    /// </summary>
    public virtual int LookupsInFlight => Readers;

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

    /// <summary>
    /// A table expression, aliased <c>ranges</c>, of replay requests: columns <c>n</c> (the request's 0-based position),
    /// <c>id</c>, <c>lo</c> and <c>hi</c> (its inclusive sequence-number range), bound to the parameters
    /// <see cref="RangeParameters"/> by <see cref="RangeValues"/>. Like <see cref="IdTable"/>, one statement text serves
    /// any number of requests.
    /// </summary>
    public abstract string RangeTable { get; }

    /// <summary>The parameter names <see cref="RangeTable"/> uses, in the order <see cref="RangeValues"/> returns their values.</summary>
    public abstract string[] RangeParameters { get; }

    /// <summary>The values of <see cref="RangeParameters"/> for <paramref name="ranges"/>.</summary>
    public abstract object[] RangeValues(IReadOnlyList<ReplayRange> ranges);

    /// <summary>Runs <paramref name="read"/> on a reader connection once one is free.</summary>
    public async Task<T> ReadAsync<T>(Func<RecoveryConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(async () =>
            {
                var connection = TakeIdle() ?? await OpenAsync(cancellationToken).ConfigureAwait(false);
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
                    if (healthy) ReturnIdle(connection);
                    else connection.Dispose();
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Opens a new reader connection.</summary>
    protected abstract Task<RecoveryConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Where a read runs: by default on the caller's flow (a provider with real async I/O).</summary>
    protected virtual Task<T> RunAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken) => read();

    private RecoveryConnection? TakeIdle()
    {
        lock (_gate)
        {
            if (_idle.Count == 0) return null;
            var last = _idle[^1].Connection;
            _idle.RemoveAt(_idle.Count - 1);
            return last;
        }
    }

    private void ReturnIdle(RecoveryConnection connection)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _idle.Add((connection, Environment.TickCount64));
                return;
            }
        }
        connection.Dispose();
    }

    private void CloseIdle()
    {
        var cutoff = Environment.TickCount64 - _idleLifetimeMs;
        List<RecoveryConnection> stale;
        lock (_gate)
        {
            // Oldest first: the list is in the order connections were returned.
            var count = _idle.FindIndex(i => i.IdleSinceMs > cutoff);
            if (count < 0) count = _idle.Count;
            stale = _idle.GetRange(0, count).Select(i => i.Connection).ToList();
            _idle.RemoveRange(0, count);
        }
        foreach (var connection in stale) connection.Dispose();
    }

    public virtual void Dispose()
    {
        List<RecoveryConnection> idle;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            idle = _idle.Select(i => i.Connection).ToList();
            _idle.Clear();
        }
        _prune.Dispose();
        foreach (var connection in idle) connection.Dispose();
        _slots.Dispose();
    }

    /// <summary>
    /// SQLite: each connection has its busy timeout set once, through <see cref="SqliteConnections"/>, and every read
    /// runs on a pool thread, because Microsoft.Data.Sqlite blocks the calling thread for the whole query whatever the
    /// API says. A command compiles its statement on its first execution and keeps it.
    /// </summary>
    private sealed class Sqlite(string connectionString, int readers, TimeSpan idleLifetime) : RecoveryConnections(readers, idleLifetime)
    {
        // Reader connections map the database file (PRAGMA mmap_size) instead of copying each page out of the OS page
        // cache with a read() call: a replay touches every page of its rows. SQLite maps at most the file's size, and
        // the mapping shares the page cache, so this costs address space, not memory. Measured on a cold start that
        // replays 1M rows (4 alternated pairs): ~0.6 s less CPU per node, all served 11.1-13.7 s against 13.4-14.4 s.
        // SQLite's documented trade-off: a disk I/O error while reading a mapped page ends the process rather than
        // failing the read. Only these readers map; the writers' connections do not.
        private const long MapBytes = 1L << 30;

        public override string False => "0";

        // SQLite has no array parameter: the ids travel as one JSON array, unpacked by the built-in json_each.
        public override string IdTable => $"(SELECT value AS id FROM json_each({RecoverySql.Ids})) AS ids";

        public override object IdsValue(IReadOnlyList<string> ids) => System.Text.Json.JsonSerializer.Serialize(ids);

        // One JSON array of [id, from, to] triples; json_each numbers them from 0 in its key column.
        public override string RangeTable =>
            $"(SELECT CAST(key AS INTEGER) AS n, json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS lo, " +
            $"json_extract(value, '$[2]') AS hi FROM json_each({RecoverySql.Ranges})) AS ranges";

        public override string[] RangeParameters { get; } = [RecoverySql.Ranges];

        public override object[] RangeValues(IReadOnlyList<ReplayRange> ranges)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(ranges.Count * 48);
            using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                json.WriteStartArray();
                foreach (var range in ranges)
                {
                    json.WriteStartArray();
                    json.WriteStringValue(range.PersistenceId);
                    json.WriteNumberValue(range.From);
                    json.WriteNumberValue(range.To);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
            }
            return [System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan)];
        }

        protected override Task<RecoveryConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var opened = SqliteConnections.Create(connectionString, mmapBytes: MapBytes);
            try
            {
                opened.Open();
            }
            catch
            {
                opened.Dispose();
                throw;
            }
            return Task.FromResult(new RecoveryConnection(opened, prepare: false));
        }

        protected override Task<T> RunAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken) => Task.Run(read, cancellationToken);
    }

    /// <summary>
    /// PostgreSQL: connections come from Npgsql's pool (the same pool, keyed by the connection string, that the
    /// plugin's own queries and writes use, so the node's connection cap holds), with Npgsql's real async I/O; each
    /// command is prepared on the server on its first execution.
    /// </summary>
    private sealed class Postgres(string connectionString, int readers, TimeSpan idleLifetime) : RecoveryConnections(readers, idleLifetime)
    {
        // One at a time: a statement costs a round trip and server CPU on the cores the nodes share, so lookups are
        // better queued into the next query. Measured (cold start of 10,000 entities, 3 nodes): 10.6-11.4k statements
        // and all served in 11.3-13.8 s (median 11.9) with 1, against 18.6-19.3k and 12.8-13.3 s with 6.
        public override int LookupsInFlight => 1;

        public override string False => "FALSE";

        public override string IdTable => $"unnest({RecoverySql.Ids}) AS ids(id)";

        // Npgsql sends a string array as text[].
        public override object IdsValue(IReadOnlyList<string> ids) => ids as string[] ?? [.. ids];

        // Three parallel arrays (text[], bigint[], bigint[]) unnested side by side; ORDINALITY counts from 1.
        public override string RangeTable =>
            $"(SELECT u.n - 1 AS n, u.id, u.lo, u.hi FROM unnest({RecoverySql.Ids}, {RecoverySql.Froms}, {RecoverySql.Tos}) " +
            "WITH ORDINALITY AS u(id, lo, hi, n)) AS ranges";

        public override string[] RangeParameters { get; } = [RecoverySql.Ids, RecoverySql.Froms, RecoverySql.Tos];

        public override object[] RangeValues(IReadOnlyList<ReplayRange> ranges)
        {
            var ids = new string[ranges.Count];
            var froms = new long[ranges.Count];
            var tos = new long[ranges.Count];
            for (var i = 0; i < ranges.Count; i++) (ids[i], froms[i], tos[i]) = (ranges[i].PersistenceId, ranges[i].From, ranges[i].To);
            return [ids, froms, tos];
        }

        protected override async Task<RecoveryConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var opened = new NpgsqlConnection(connectionString);
            try
            {
                await opened.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await opened.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return new RecoveryConnection(opened, prepare: true);
        }
    }
}

/// <summary>One open reader connection and the commands made on it (reused while the connection lives).</summary>
internal sealed class RecoveryConnection(DbConnection connection, bool prepare) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly HashSet<DbCommand> _prepared = [];

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

    /// <summary>
    /// Executes <paramref name="command"/> (one of <see cref="Command"/>'s, its parameters set). Where the connection
    /// prepares statements, the first execution prepares it first: the parameter types come from the values just set,
    /// and every later execution of the command sends the same types.
    /// </summary>
    public async Task<DbDataReader> ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (prepare && _prepared.Add(command)) await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        _prepared.Clear();
        connection.Dispose();
    }
}
