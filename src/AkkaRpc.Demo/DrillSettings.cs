using System.Globalization;

namespace AkkaRpc.Demo;

/// <summary>Disaster-recovery drill parameters, from the command line (<c>AkkaRpc.Demo drill ...</c>).</summary>
/// <param name="Nodes">Node processes.</param>
/// <param name="Accounts">Accounts deposited to (each owned by one loop).</param>
/// <param name="Callers">Concurrent deposit loops.</param>
/// <param name="LoadBeforeBackup">Load before the on-demand backup (scheduled: the first part of the load).</param>
/// <param name="LoadAfterBackup">Load after it, before the disaster.</param>
/// <param name="Interval">Scheduled backup interval.</param>
/// <param name="WorkDirectory">New folder for logs, the database and the backups.</param>
/// <param name="Scheduled">True: the cluster's scheduled backups (every <paramref name="Interval"/>) and the newest complete
/// one is restored; false: one on-demand <c>akkarpc backup</c> after <paramref name="LoadBeforeBackup"/>.</param>
internal sealed record DrillSettings(
    int Nodes, int Accounts, int Callers, TimeSpan LoadBeforeBackup, TimeSpan LoadAfterBackup, bool Scheduled, TimeSpan Interval, string WorkDirectory)
{
    public static DrillSettings Parse(string[] args)
    {
        var accounts = 200;
        var before = 10;
        var after = 10;
        var scheduled = true;
        var interval = 5;
        // A fresh folder per run: the drill deletes the database in it on purpose.
        var workdir = Path.Combine(Directory.GetCurrentDirectory(), ".drill", $"run-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number, not '{args[i]}'");
            switch (args[i])
            {
                case "--accounts": accounts = Number(); break;
                case "--before": before = Number(); break;
                case "--after": after = Number(); break;
                case "--interval": interval = Number(); break;
                case "--backup":
                    scheduled = Next() switch
                    {
                        "scheduled" => true,
                        "on-demand" => false,
                        var other => throw new ArgumentException($"--backup must be scheduled or on-demand, not '{other}'"),
                    };
                    break;
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException(
                    $"unknown argument {args[i]} (use --accounts N --before S --after S --backup scheduled|on-demand --interval S --workdir DIR)");
            }
        }
        if (accounts < 1 || before < 1 || after < 1 || interval < 1) throw new ArgumentException("--accounts, --before, --after and --interval must be >= 1");
        if (Directory.Exists(workdir) && Directory.EnumerateFileSystemEntries(workdir).Any())
            throw new ArgumentException($"--workdir {workdir} is not empty; the drill destroys the database in it, so give it a new folder");
        return new DrillSettings(3, accounts, 16, TimeSpan.FromSeconds(before), TimeSpan.FromSeconds(after), scheduled, TimeSpan.FromSeconds(interval), workdir);
    }
}
