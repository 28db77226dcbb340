using System.Diagnostics;
using Xunit.Abstractions;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>
/// Runs one of the repository's built programs (<c>akkarpc</c>, the demo) as a real process, bounded, and kills it and
/// every process it started (by its own PID) when it overruns.
/// </summary>
public static class CliProcess
{
    /// <summary>Runs <c>akkarpc</c> with <paramref name="args"/>.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(ITestOutputHelper output, TimeSpan timeout, params string[] args) =>
        RunDllAsync(output, timeout, CliDll(), "akkarpc", args);

    /// <summary>Runs the built program <paramref name="dll"/> with <paramref name="args"/>; <paramref name="name"/> labels the output.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunDllAsync(
        ITestOutputHelper output, TimeSpan timeout, string dll, string name, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            // Its output so far says where it stalled. The streams end once the killed tree has closed them; bounded in
            // case a process outside the tree still holds them.
            string soFar = "", errorsSoFar = "";
            try
            {
                await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(10));
                (soFar, errorsSoFar) = (stdout.Result, stderr.Result);
            }
            catch (TimeoutException) { soFar = "(output not available: its pipes stayed open)"; }
            output.WriteLine($"$ {name} {string.Join(' ', args)}\n{soFar}{errorsSoFar}killed after {timeout.TotalSeconds:0} s");
            throw new TimeoutException($"{name} {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:0} s; killed with its child processes. Last output: " +
                string.Join(" | ", soFar.TrimEnd().Split('\n').TakeLast(5)));
        }
        var (o, e) = (await stdout, await stderr);
        output.WriteLine($"$ {name} {string.Join(' ', args)}\n{o}{e}exit {process.ExitCode}");
        return (process.ExitCode, o, e);
    }

    /// <summary>The built <c>akkarpc</c> (src/AkkaRpc.Cli, Release).</summary>
    public static string CliDll() => BuiltDll("AkkaRpc.Cli");

    /// <summary>The Release build of the program in <c>src/<paramref name="project"/></c>.</summary>
    public static string BuiltDll(string project)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln")))
                return Path.Combine(dir.FullName, "src", project, "bin", "Release", "net10.0", project + ".dll");
        throw new FileNotFoundException("AkkaRpc.sln not found above the test binaries");
    }
}
