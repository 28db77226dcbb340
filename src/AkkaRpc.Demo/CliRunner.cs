using System.Diagnostics;

namespace AkkaRpc.Demo;

/// <summary>Runs the <c>akkarpc</c> command line (its Release build) as an operator would, and collects its output.</summary>
internal static class CliRunner
{
    /// <summary>Runs <c>akkarpc args</c>; returns its exit code and stdout + stderr. Killed after <paramref name="bound"/>.</summary>
    public static async Task<(int Code, string Output)> RunAsync(TimeSpan bound, CancellationToken cancel, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start akkarpc");
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(bound);
        try { await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    /// <summary>The built <c>AkkaRpc.Cli.dll</c>, found by walking up to the folder with AkkaRpc.sln.</summary>
    public static string Dll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "src", "AkkaRpc.Cli", "bin", "Release", "net10.0", "AkkaRpc.Cli.dll");
            if (File.Exists(Path.Combine(dir.FullName, "AkkaRpc.sln")))
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing; build src/AkkaRpc.Cli -c Release first");
        }
        throw new FileNotFoundException("AkkaRpc.sln not found above the demo's binaries");
    }
}
