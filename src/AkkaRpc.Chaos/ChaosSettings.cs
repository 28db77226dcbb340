using System.Globalization;

namespace AkkaRpc.Chaos;

/// <summary>Chaos run parameters, from the command line.</summary>
/// <param name="Seconds">How long the load and the kill schedule run (the full restart and read-back come after).</param>
/// <param name="Accounts">Accounts, each with one sequential operation loop.</param>
/// <param name="Seed">Seeds the schedule and the read/write mix, so a failing run can be repeated.</param>
/// <param name="WorkDirectory">Node logs and the SQLite journal.</param>
internal sealed record ChaosSettings(int Seconds, int Accounts, int Seed, string WorkDirectory)
{
    /// <summary>3 nodes: the smallest cluster where the survivors of one kill are a majority.</summary>
    public int Nodes => 3;

    public static ChaosSettings Parse(string[] args)
    {
        var seconds = 60;
        var accounts = 40;
        var seed = Environment.TickCount;
        string? workdir = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--accounts": accounts = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException($"unknown argument {args[i]} (use --seconds S --accounts N --seed N --workdir DIR)");
            }
        }
        if (seconds < 20 || accounts < 1) throw new ArgumentException("--seconds must be >= 20 and --accounts >= 1");
        workdir ??= Directory.CreateTempSubdirectory("akkarpc-chaos-").FullName;
        return new ChaosSettings(seconds, accounts, seed, workdir);
    }
}
