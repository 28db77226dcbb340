using System.Diagnostics;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>Runs the built <c>akkarpc</c> as a real process, bounded, and kills it (by its own PID) when it overruns.</summary>
public static class CliProcess
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(ITestOutputHelper output, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var (o, e) = (await stdout, await stderr);
        output.WriteLine($"$ akkarpc {string.Join(' ', args)}\n{o}{e}exit {process.ExitCode}");
        return (process.ExitCode, o, e);
    }

    public static string CliDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln")))
                return Path.Combine(dir.FullName, "src", "AkkaRpc.Cli", "bin", "Release", "net10.0", "AkkaRpc.Cli.dll");
        throw new FileNotFoundException("AkkaRpc.sln not found above the test binaries");
    }
}
