using Npgsql;

namespace AkkaRpc.Bench.Runs;

/// <summary>
/// A fresh PostgreSQL database for one variant, dropped afterwards, so every run starts from an empty journal (no
/// earlier run's rows to recover, no index grown by them).
/// </summary>
internal sealed class ScratchPostgresDatabase : IAsyncDisposable
{
    private readonly string _adminConnection;
    private readonly string _name;

    private ScratchPostgresDatabase(string adminConnection, string name, string connectionString)
    {
        _adminConnection = adminConnection;
        _name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<ScratchPostgresDatabase> CreateAsync(string connectionString)
    {
        // Only letters, digits and '_' (generated here), so the name needs no quoting.
        var name = $"akkarpc_bench_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        var scratch = new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
        return new ScratchPostgresDatabase(connectionString, name, scratch);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnection);
        await admin.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
