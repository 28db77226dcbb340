using AkkaRpc.Persistence;
using Npgsql;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>The journal backends that persistence and recovery tests run against.</summary>
public enum Backend
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// A fresh, empty journal database for one test: a SQLite file in the test's temp folder, or a new PostgreSQL
/// database (dropped again on dispose) so PostgreSQL tests never see each other's rows.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>Where the PostgreSQL server for tests is: <c>scripts/postgres.sh</c> prints it, CI exports it.</summary>
    public const string PostgresVariable = "AKKARPC_POSTGRES";

    private const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Database=akkarpc;Username=akkarpc;Password=akkarpc";

    private readonly string? _postgresDatabase;

    private TestDatabase(Backend backend, string connectionString, string? postgresDatabase)
    {
        Backend = backend;
        ConnectionString = connectionString;
        _postgresDatabase = postgresDatabase;
    }

    public Backend Backend { get; }

    public string ConnectionString { get; }

    public JournalProvider Provider => Backend == Backend.Sqlite ? JournalProvider.Sqlite : JournalProvider.PostgreSql;

    public PersistenceOptions Options => new() { Provider = Provider, ConnectionString = ConnectionString };

    /// <summary>Settings for node processes (<c>--AkkaRpc:key=value</c>).</summary>
    public Dictionary<string, string> NodeSettings => new()
    {
        ["Persistence:Provider"] = Provider.ToString(),
        ["Persistence:ConnectionString"] = ConnectionString,
    };

    public static async Task<TestDatabase> CreateAsync(Backend backend, string folder, string name = "akkarpc")
    {
        if (backend == Backend.Sqlite)
            return new TestDatabase(backend, $"Data Source={Path.Combine(folder, name + ".db")}", null);

        var server = ServerConnectionString();
        var database = $"akkarpc_t_{Guid.NewGuid():N}"[..30];
        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Fail, never skip: a suite that silently skips its PostgreSQL half proves nothing about PostgreSQL.
            throw new InvalidOperationException(
                $"PostgreSQL tests need a server: could not create a database via '{Redact(server)}' ({e.Message}). " +
                $"Run `bash scripts/postgres.sh` (it installs and starts PostgreSQL 15 on 127.0.0.1) and export " +
                $"{PostgresVariable} with the connection string it prints; .ci/run does both.", e);
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = database };
        return new TestDatabase(backend, builder.ConnectionString, database);
    }

    public static string ServerConnectionString() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } configured ? configured : DefaultPostgres;

    private static string Redact(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = "***" }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is null) return;
        // Pools keep idle connections to the test database; FORCE ends them so the drop cannot fail on them.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", connection);
        // An autovacuum worker that has just started on the test database (after a test's bulk writes) is a backend our
        // non-superuser role may not terminate, so FORCE fails with 42501 (seen once in CI); the worker is gone within
        // moments, so the drop is tried again, within a bound. Any other error fails at once.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return true;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), $"test database {_postgresDatabase} dropped (42501/55006: another backend still on it)");
    }

    public override string ToString() => Backend.ToString();
}
