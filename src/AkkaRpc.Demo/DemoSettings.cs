using System.Globalization;

namespace AkkaRpc.Demo;

/// <summary>Demo parameters, from the command line.</summary>
internal sealed record DemoSettings(int Nodes, int Accounts, int Callers, TimeSpan LoadDuration, TimeSpan KillAfter, string WorkDirectory)
{
    public static DemoSettings Parse(string[] args)
    {
        var accounts = 300;
        var seconds = 30;
        var workdir = Path.Combine(Directory.GetCurrentDirectory(), ".demo", TimeProvider.System.GetLocalNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--accounts": accounts = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException($"unknown argument {args[i]} (use --accounts N --seconds S --workdir DIR)");
            }
        }
        if (accounts < 1 || seconds < 10) throw new ArgumentException("--accounts must be >= 1 and --seconds >= 10");
        return new DemoSettings(3, accounts, 16, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(seconds / 4.0), workdir);
    }
}
