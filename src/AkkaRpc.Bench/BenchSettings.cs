using System.Globalization;

namespace AkkaRpc.Bench;

/// <summary>The benchmark's command line (see Program.cs for the usage line).</summary>
internal sealed record BenchSettings(
    int Nodes, int Callers, int Keys, int WarmupSeconds, int MeasuredSeconds, IReadOnlyList<Variant> Variants,
    string? PostgresConnection, IReadOnlyDictionary<string, string> NodeSettings)
{
    public const string DefaultVariants = "raw-akka,akkarpc-inmem,akkarpc-sqlite,akkarpc-postgres,akkarpc-inmem-in-node";

    /// <summary>Parses <c>--name value</c> pairs; <c>--set Key=Value</c> may repeat. Throws on anything unknown.</summary>
    public static BenchSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--nodes"] = "3", ["--callers"] = "64", ["--keys"] = "10000", ["--warmup"] = "20", ["--seconds"] = "10",
            ["--variants"] = DefaultVariants, ["--postgres"] = Environment.GetEnvironmentVariable("AKKARPC_POSTGRES") ?? "",
        };
        var nodeSettings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (args.Length % 2 != 0) throw new ArgumentException($"option {args[^1]} has no value");
        for (var i = 0; i < args.Length; i += 2)
        {
            var (name, value) = (args[i], args[i + 1]);
            if (name == "--set")
            {
                var eq = value.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new ArgumentException($"--set wants Key=Value (an AkkaRpc node setting), not '{value}'");
                nodeSettings[value[..eq]] = value[(eq + 1)..];
            }
            else if (values.ContainsKey(name)) values[name] = value;
            else throw new ArgumentException($"unknown option {name}");
        }

        int Positive(string name) => int.TryParse(values[name], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive whole number, not '{values[name]}'");
        var variants = values["--variants"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Variant.Parse).ToList();
        if (variants.Count == 0) throw new ArgumentException("--variants names no variant");
        var postgres = string.IsNullOrWhiteSpace(values["--postgres"]) ? null : values["--postgres"];
        if (postgres is null && variants.Any(v => v.Journal == Persistence.JournalProvider.PostgreSql))
            throw new ArgumentException("a PostgreSQL variant needs --postgres CONNECTION or AKKARPC_POSTGRES (bash scripts/postgres.sh | tail -n 1)");
        // The raw baseline goes first: every other variant's ratio is relative to it.
        variants = [.. variants.OrderBy(v => v.Raw ? 0 : 1)];
        return new BenchSettings(Positive("--nodes"), Positive("--callers"), Positive("--keys"), int.Parse(values["--warmup"], CultureInfo.InvariantCulture),
            Positive("--seconds"), variants, postgres, nodeSettings);
    }
}
