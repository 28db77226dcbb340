using System.Globalization;
using AkkaRpc.Persistence;

namespace AkkaRpc.Demo;

/// <summary>Cold-restart benchmark parameters, from the command line (<c>AkkaRpc.Demo cold-restart ...</c>).</summary>
/// <param name="Provider">Journal backend of the cluster.</param>
/// <param name="Postgres">PostgreSQL server connection string (a role that may create databases); PostgreSql only.</param>
/// <param name="Entities">Accounts in the generated journal.</param>
/// <param name="Commands">Journal rows per account.</param>
/// <param name="SnapshotEvery">The nodes' SnapshotEvery, and where the generated journal has snapshots (0: none).</param>
/// <param name="Readers">Concurrent reads while every key is read back.</param>
/// <param name="DataDirectory">Where the generated export is kept between runs.</param>
/// <param name="WorkDirectory">New folder for logs, databases and the backup.</param>
/// <param name="GenerateOnly">Only make sure the generated export exists (no cluster, no timing).</param>
/// <param name="Existing">A database that already holds the generated journal: only the cold start (a) runs on it
/// (no import, no backup, no RTO); for looking into the cold start without minutes of setup each time.</param>
/// <param name="ColdReader">Skip the reader's warm-up: the first timed cold start then also pays for compiling the
/// reader's own code (this process's HTTP client and JSON), which shares the 2 cores with the starting nodes.</param>
internal sealed record ColdRestartSettings(
    JournalProvider Provider, string? Postgres, int Entities, int Commands, int SnapshotEvery, int Readers,
    string DataDirectory, string WorkDirectory, bool GenerateOnly, string? Existing, bool ColdReader)
{
    /// <summary>The node's RememberedRequestsPerEntity (appsettings.json), which a generated snapshot carries.</summary>
    public const int RememberedRequests = 1000;

    public static ColdRestartSettings Parse(string[] args)
    {
        var provider = JournalProvider.Sqlite;
        string? postgres = null;
        int entities = 10_000, commands = 100, snapshotEvery = 100, readers = 64;
        var generateOnly = false;
        var coldReader = false;
        string? data = null;
        string? existing = null;
        var workdir = Path.Combine(Directory.GetCurrentDirectory(), ".cold-restart", $"run-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number, not '{args[i]}'");
            switch (args[i])
            {
                case "--provider":
                    provider = Next() switch
                    {
                        "Sqlite" or "sqlite" => JournalProvider.Sqlite,
                        "PostgreSql" or "postgresql" or "postgres" => JournalProvider.PostgreSql,
                        var other => throw new ArgumentException($"--provider must be Sqlite or PostgreSql, not '{other}'"),
                    };
                    break;
                case "--postgres": postgres = Next(); break;
                case "--entities": entities = Number(); break;
                case "--commands": commands = Number(); break;
                case "--snapshot-every": snapshotEvery = Number(); break;
                case "--readers": readers = Number(); break;
                case "--data": data = Path.GetFullPath(Next()); break;
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                case "--generate-only": generateOnly = true; break;
                case "--existing": existing = Next(); break;
                case "--cold-reader": coldReader = true; break;
                default: throw new ArgumentException(
                    $"unknown argument {args[i]} (use --provider Sqlite|PostgreSql --postgres CONN --entities N --commands N " +
                    "--snapshot-every N --readers N --data DIR --workdir DIR --generate-only --existing CONN --cold-reader)");
            }
        }
        if (entities < 1 || commands < 1 || readers < 1) throw new ArgumentException("--entities, --commands and --readers must be >= 1");
        if (provider == JournalProvider.PostgreSql && string.IsNullOrWhiteSpace(postgres) && !generateOnly && existing is null)
            throw new ArgumentException("--provider PostgreSql needs --postgres CONN (bash scripts/postgres.sh | tail -n 1 prints one)");
        if (!generateOnly && Directory.Exists(workdir) && Directory.EnumerateFileSystemEntries(workdir).Any())
            throw new ArgumentException($"--workdir {workdir} is not empty; give it a new folder");
        data ??= Path.Combine(Directory.GetCurrentDirectory(), ".cold-restart",
            string.Create(CultureInfo.InvariantCulture, $"data-{entities}x{commands}-snap{snapshotEvery}"));
        return new ColdRestartSettings(provider, postgres, entities, commands, snapshotEvery, readers, data, workdir, generateOnly, existing, coldReader);
    }
}
