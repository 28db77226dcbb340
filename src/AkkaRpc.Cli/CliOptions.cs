using System.CommandLine;
using System.Reflection;
using AkkaRpc.Backup;
using AkkaRpc.Persistence;
using AkkaRpc.Serialization;

namespace AkkaRpc.Cli;

/// <summary>Options several verbs share, and turning them into a journal database.</summary>
internal static class CliOptions
{
    public static Option<JournalProvider> Provider(bool required = true) => new("--provider")
    {
        Description = "Journal backend: Sqlite or PostgreSql",
        Required = required,
    };

    public static Option<string> Connection(bool required = true) => new("--connection")
    {
        Description = "ADO.NET connection string, as the nodes use (e.g. \"Data Source=/var/lib/akkarpc/akkarpc.db\")",
        Required = required,
    };

    public static Option<string[]> Types() => new("--types")
    {
        Description = "Assembly (.dll) with your domain's wire types, for reading payloads; repeat for several. The sample domain is built in.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<bool> Force() => new("--force")
    {
        Description = "Restore even if nodes are running against the target (heartbeat within the last 15 s) and replace the contents of a non-empty target",
    };

    public static JournalDatabase Database(JournalProvider provider, string? connection)
    {
        if (provider == JournalProvider.InMemory) throw new ArgumentException("--provider InMemory has no database; use Sqlite or PostgreSql");
        if (string.IsNullOrWhiteSpace(connection)) throw new ArgumentException("--connection is required");
        return JournalDatabase.For(new PersistenceOptions { Provider = provider, ConnectionString = connection });
    }

    /// <summary>Loads the assemblies named by --types so their wire types can be read.</summary>
    public static void LoadTypes(string[]? paths)
    {
        WireTypes.Register(typeof(AkkaRpc.Sample.SampleServices).Assembly);
        WireTypes.Register(typeof(AkkaRpc.Sample.Accounts.AccountBalance).Assembly);
        foreach (var path in paths ?? [])
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full)) throw new ArgumentException($"--types: {full} does not exist");
            WireTypes.Register(Assembly.LoadFrom(full));
        }
        WireTypes.ThrowOnConflicts();
    }
}
