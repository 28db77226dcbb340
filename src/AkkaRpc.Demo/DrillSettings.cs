using System.Globalization;

namespace AkkaRpc.Demo;

/// <summary>Disaster-recovery drill parameters, from the command line (<c>AkkaRpc.Demo drill ...</c>).</summary>
internal sealed record DrillSettings(int Nodes, int Accounts, int Callers, TimeSpan LoadBeforeBackup, TimeSpan LoadAfterBackup, string WorkDirectory)
{
    public static DrillSettings Parse(string[] args)
    {
        var accounts = 200;
        var before = 10;
        var after = 10;
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
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException($"unknown argument {args[i]} (use --accounts N --before S --after S --workdir DIR)");
            }
        }
        if (accounts < 1 || before < 1 || after < 1) throw new ArgumentException("--accounts, --before and --after must be >= 1");
        if (Directory.Exists(workdir) && Directory.EnumerateFileSystemEntries(workdir).Any())
            throw new ArgumentException($"--workdir {workdir} is not empty; the drill destroys the database in it, so give it a new folder");
        return new DrillSettings(3, accounts, 16, TimeSpan.FromSeconds(before), TimeSpan.FromSeconds(after), workdir);
    }
}
