using System.Globalization;

namespace AkkaRpc.Chaos;

/// <summary>Chaos run parameters, from the command line.</summary>
/// <param name="Seconds">How long the load (and, in a chaos run, the kill schedule) runs; the full restart and read-back come after.</param>
/// <param name="Accounts">Accounts, each with one sequential operation loop.</param>
/// <param name="Seed">Seeds the schedule and the read/write mix, so a failing run can be repeated.</param>
/// <param name="WorkDirectory">Node logs and the SQLite journal.</param>
/// <param name="FalseDowns">The false-down run instead of chaos: no faults, full CPU load, count every down and unreachable.</param>
/// <param name="Burners">CPU burner threads of a false-down run (default: one per processor).</param>
internal sealed record ChaosSettings(int Seconds, int Accounts, int Seed, string WorkDirectory, bool FalseDowns = false, int Burners = 0)
{
    /// <summary>3 nodes: the smallest cluster where the survivors of one kill are a majority.</summary>
    public int Nodes => 3;

    public static ChaosSettings Parse(string[] args)
    {
        int? seconds = null;
        int? accounts = null;
        var seed = Environment.TickCount;
        var falseDowns = false;
        var burners = Environment.ProcessorCount;
        string? workdir = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new ArgumentException($"{args[i - 1]} needs a whole number, not '{args[i]}'");
            switch (args[i])
            {
                case "--seconds": seconds = Number(); break;
                case "--accounts": accounts = Number(); break;
                case "--seed": seed = Number(); break;
                case "--workdir": workdir = Path.GetFullPath(Next()); break;
                case "--false-downs": falseDowns = true; break;
                case "--burners": burners = Number(); break;
                default:
                    throw new ArgumentException(
                        $"unknown argument {args[i]} (use --seconds S --accounts N --seed N --workdir DIR, or --false-downs [--seconds S --accounts N --burners N --workdir DIR])");
            }
        }
        // A false-down run proves quiet over a long stretch of load: 10 minutes unless told otherwise.
        var effectiveSeconds = seconds ?? (falseDowns ? 600 : 60);
        var effectiveAccounts = accounts ?? (falseDowns ? 64 : 40);
        if (effectiveSeconds < (falseDowns ? 10 : 20) || effectiveAccounts < 1 || burners is < 0 or > 64)
            throw new ArgumentException("--seconds must be >= 20 (>= 10 with --false-downs), --accounts >= 1, --burners 0 to 64");
        workdir ??= Directory.CreateTempSubdirectory(falseDowns ? "akkarpc-false-downs-" : "akkarpc-chaos-").FullName;
        return new ChaosSettings(effectiveSeconds, effectiveAccounts, seed, workdir, falseDowns, burners);
    }
}
