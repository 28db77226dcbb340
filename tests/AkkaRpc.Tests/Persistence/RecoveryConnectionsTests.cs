using AkkaRpc.Persistence.Recovery;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// The recovery readers' connections (<see cref="RecoveryConnections"/>): kept open from one read to the next, never
/// more than the readers at once, closed once idle, never reused after a failed read; on PostgreSQL each statement is
/// prepared on the server, on SQLite the database file is memory-mapped.
/// </summary>
public sealed class RecoveryConnectionsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Reads_should_share_at_most_the_readers_connections_and_close_them_once_idle(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var connections = Open(database, readers: 2, idleLifetime: TimeSpan.FromMilliseconds(500));
        var used = new HashSet<RecoveryConnection>(ReferenceEqualityComparer.Instance);
        var inside = 0;
        var mostInside = 0;

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => connections.ReadAsync(async (connection, ct) =>
        {
            lock (used) used.Add(connection);
            var now = Interlocked.Increment(ref inside);
            lock (used) mostInside = Math.Max(mostInside, now);
            try
            {
                return await SelectAsync(connection, i, ct);
            }
            finally
            {
                Interlocked.Decrement(ref inside);
            }
        }, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 40), answers);
        Assert.InRange(mostInside, 1, 2);
        Assert.InRange(used.Count, 1, 2);
        Assert.Equal(used.Count, connections.IdleConnections);

        await Eventually.TrueAsync(() => connections.IdleConnections == 0, Bound, "idle reader connections closed after their idle lifetime");
        // A read after that opens a fresh connection and is served.
        var later = await connections.ReadAsync((connection, ct) =>
        {
            Assert.DoesNotContain(connection, used);
            return SelectAsync(connection, 7, ct);
        }, CancellationToken.None);
        Assert.Equal(7, later);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task A_connection_whose_read_failed_should_be_closed_not_handed_on(Backend backend)
    {
        await using var database = await TestDatabase.CreateAsync(backend, _folder.Path);
        using var connections = Open(database, readers: 1, idleLifetime: TimeSpan.FromMinutes(5));
        RecoveryConnection? failed = null;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => connections.ReadAsync<int>(async (connection, ct) =>
        {
            failed = connection;
            // A statement the database refuses, as a read that breaks mid-way.
            await using var rows = await connection.ExecuteAsync(connection.Command("SELECT * FROM no_such_table"), ct);
            return 0;
        }, CancellationToken.None));
        Assert.Contains("no_such_table", error.Message);
        Assert.Equal(0, connections.IdleConnections);

        var answer = await connections.ReadAsync((connection, ct) =>
        {
            Assert.NotSame(failed, connection);
            return SelectAsync(connection, 3, ct);
        }, CancellationToken.None);
        Assert.Equal(3, answer);
        Assert.Equal(1, connections.IdleConnections);
    }

    [Fact]
    public async Task On_PostgreSQL_a_statement_should_be_prepared_once_and_reused_by_later_reads()
    {
        await using var database = await TestDatabase.CreateAsync(Backend.PostgreSql, _folder.Path);
        using var connections = Open(database, readers: 1, idleLifetime: TimeSpan.FromMinutes(5));

        for (var i = 0; i < 3; i++)
        {
            var prepared = await connections.ReadAsync(async (connection, ct) =>
            {
                Assert.Equal(i, await SelectAsync(connection, i, ct));
                // Run directly (not through ExecuteAsync), so this check does not prepare itself.
                var check = connection.Command("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT CAST(%'");
                return Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }, CancellationToken.None);
            // One server-side statement on the one connection, from the first read on.
            Assert.Equal(1, prepared);
        }
    }

    [Fact]
    public async Task On_SQLite_a_reader_connection_should_map_the_database_file()
    {
        await using var database = await TestDatabase.CreateAsync(Backend.Sqlite, _folder.Path);
        using var connections = Open(database, readers: 1, idleLifetime: TimeSpan.FromMinutes(5));
        var mapped = await connections.ReadAsync(async (connection, ct) =>
            Convert.ToInt64(await connection.Command("PRAGMA mmap_size").ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture),
            CancellationToken.None);
        Assert.Equal(1L << 30, mapped);
    }

    private static RecoveryConnections Open(TestDatabase database, int readers, TimeSpan idleLifetime) =>
        RecoveryConnections.For(database.Options.EffectiveProviderName, database.ConnectionString, readers, idleLifetime)
        ?? throw new InvalidOperationException($"no recovery connections for {database.Backend}");

    // One parameterized statement, so every read runs the same text with another value.
    private static async Task<int> SelectAsync(RecoveryConnection connection, int value, CancellationToken ct)
    {
        var command = connection.Command("SELECT CAST(@v AS INTEGER)", "@v");
        command.Parameters[0].Value = value;
        await using var rows = await connection.ExecuteAsync(command, ct);
        Assert.True(await rows.ReadAsync(ct));
        return Convert.ToInt32(rows.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
    }
}
