using System.Diagnostics;
using System.Text.RegularExpressions;
using AkkaRpc.Tests.Cluster;
using AkkaRpc.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Chaos;

/// <summary>
/// The short chaos run (what <c>scripts/chaos.sh --seconds 40</c> does): 40 s of unique-id deposits and reads while
/// nodes are killed with kill -9 and restarted, then a crash and restart of the whole cluster and a checked
/// read-back. The harness runs as its own process; its node processes are its children, and the whole tree is
/// killed by PID if it overruns or the test fails.
/// </summary>
[Collection(ClusterCollection.Name)]
public partial class ChaosHarnessTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(4);
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _folder = new();

    public ChaosHarnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_short_chaos_run_should_lose_nothing_apply_nothing_twice_and_read_nothing_unexpected()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { ChaosDll(), "--seconds", "40", "--accounts", "30", "--workdir", _folder.Path }) info.ArgumentList.Add(arg);
        var lines = new List<string>();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var cts = new CancellationTokenSource(Bound);
            await process.WaitForExitAsync(cts.Token);
        }
        finally
        {
            // Overrun or failure: the harness and the nodes it started go, by PID.
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            lock (lines) foreach (var line in lines) _output.WriteLine(line);
        }

        string last;
        lock (lines) last = lines.LastOrDefault(l => l.StartsWith("chaos:", StringComparison.Ordinal)) ?? "(no chaos: line)";
        Console.WriteLine($"[chaos, short run] {last}");
        var match = ChaosLine().Match(last);
        Assert.True(match.Success, $"exit {process.ExitCode}; last line: {last}");
        Assert.Equal(0, process.ExitCode);
        Assert.True(long.Parse(match.Groups["ack"].Value) > 0, "some writes were acknowledged");
        Assert.Equal("0", match.Groups["lost"].Value);
        Assert.Equal("0", match.Groups["dup"].Value);
        Assert.Equal("0", match.Groups["unexpected"].Value);
    }

    private static string ChaosDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln")))
                return Path.Combine(dir.FullName, "src", "AkkaRpc.Chaos", "bin", configuration, "net10.0", "AkkaRpc.Chaos.dll");
        throw new FileNotFoundException("AkkaRpc.sln not found above the test binaries");
    }

    [GeneratedRegex(@"^chaos: acknowledged=(?<ack>\d+) ambiguous=(?<amb>\d+) lost=(?<lost>\d+) duplicated=(?<dup>\d+) unexpected=(?<unexpected>\d+) failover_p50_s=[\d.]+ failover_max_s=[\d.]+$")]
    private static partial Regex ChaosLine();

    public void Dispose() => _folder.Dispose();
}
