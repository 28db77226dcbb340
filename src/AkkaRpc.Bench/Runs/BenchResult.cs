using System.Globalization;

namespace AkkaRpc.Bench.Runs;

/// <summary>What one variant measured over its measured window.</summary>
internal sealed record BenchResult(string Variant, double CallsPerSecond, double P50Ms, double P99Ms, double P999Ms, long Errors, double CpuUsPerCall)
{
    /// <summary>The one-line report; <paramref name="rawCallsPerSecond"/> is the baseline of the same run, if measured.</summary>
    public string ToLine(double? rawCallsPerSecond) => string.Create(CultureInfo.InvariantCulture,
        $"bench: variant={Variant} calls_per_s={CallsPerSecond:0} p50_ms={P50Ms:0.00} p99_ms={P99Ms:0.00} p999_ms={P999Ms:0.00} " +
        $"errors={Errors} cpu_us_per_call={CpuUsPerCall:0.0} ratio_to_raw={(rawCallsPerSecond is > 0 ? (CallsPerSecond / rawCallsPerSecond.Value).ToString("0.00", CultureInfo.InvariantCulture) : "n/a")}");
}
