using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AkkaRpc.LocalCluster;

/// <summary>One real node process (on 127.0.0.1 unless placed elsewhere). Its output goes to a log file; it is stopped by PID.</summary>
public sealed partial class NodeProcess : IDisposable
{
    /// <summary>The .NET runtime's environment variable for the gen0 allocation budget (hexadecimal bytes).</summary>
    public const string Gen0BudgetVariable = "DOTNET_GCgen0size";

    /// <summary>The gen0 budget node processes get unless the environment already sets one: 64 MiB.</summary>
    public const string Gen0Budget = "0x4000000";

    private readonly Process _process;
    private readonly StreamWriter _log;

    private NodeProcess(string name, string host, int port, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        Host = host;
        Port = port;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    /// <summary>A short name (node1, node2, ...).</summary>
    public string Name { get; }

    /// <summary>The address the node binds and advertises.</summary>
    public string Host { get; }

    /// <summary>The cluster port.</summary>
    public int Port { get; }

    /// <summary>The OS process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Where stdout and stderr go.</summary>
    public string LogPath { get; }

    /// <summary>The node's cluster address.</summary>
    public string Address(string clusterName = "akkarpc") => $"akka.tcp://{clusterName}@{Host}:{Port}";

    /// <summary>True until the process exits.</summary>
    public bool IsRunning
    {
        get
        {
            try { return !_process.HasExited; }
            catch (InvalidOperationException) { return false; }
        }
    }

    /// <summary>
    /// Starts <c>dotnet AkkaRpc.Node.dll</c> with <paramref name="settings"/> as <c>--AkkaRpc:key=value</c> arguments,
    /// bound to <paramref name="placement"/>'s address (cluster and gateway) and launched through its launcher.
    /// </summary>
    public static NodeProcess Start(
        string name, int port, IReadOnlyDictionary<string, string> settings, string logDirectory, string? nodeDll = null, NodePlacement? placement = null)
    {
        placement ??= NodePlacement.Loopback;
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{name}.log");
        var info = new ProcessStartInfo(placement.Launcher.Count > 0 ? placement.Launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = logDirectory,
        };
        if (placement.Launcher.Count > 0)
        {
            foreach (var argument in placement.Launcher.Skip(1)) info.ArgumentList.Add(argument);
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(nodeDll ?? NodeBinary.Locate());
        info.ArgumentList.Add($"--AkkaRpc:Hostname={placement.Host}");
        info.ArgumentList.Add($"--AkkaRpc:Gateway:Hostname={placement.Host}");
        info.ArgumentList.Add($"--AkkaRpc:Port={port}");
        foreach (var (key, value) in settings) info.ArgumentList.Add($"--AkkaRpc:{key}={value}");
        // Node logs are for people reading a failure, not for the test output.
        info.Environment["DOTNET_gcServer"] = "0";
        // A larger gen0 budget (64 MiB instead of a few MiB sized from the CPU cache): with many calls in flight the
        // default budget collects every few milliseconds, promotes in-flight messages to gen1/gen2 and makes background
        // gen2 collections compete for the cores. Measured on the 3-node bench: p99 35-54 ms -> 5-8 ms, CPU per call
        // -15% (docs/performance.md, "Garbage collection"). Only an environment variable sets it (runtimeconfig does
        // not), so the launcher sets it unless the caller chose a value.
        if (!info.Environment.ContainsKey(Gen0BudgetVariable)) info.Environment[Gen0BudgetVariable] = Gen0Budget;
        info.Environment["Logging__Console__FormatterName"] = "simple";

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(name, placement.Host, port, process, log, logPath);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try { log.WriteLine(line); }
            catch (ObjectDisposedException) { }
        }
    }

    /// <summary><c>kill -9</c>: the node dies with no chance to leave or flush anything.</summary>
    public void Kill()
    {
        if (!IsRunning) return;
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM: the node leaves the cluster gracefully, then exits.</summary>
    public void Terminate()
    {
        if (!IsRunning) return;
        if (OperatingSystem.IsWindows()) { Kill(); return; }
        _ = SendSignal(_process.Id, 15);
    }

    /// <summary>
    /// For a failing test's output: name, pid, whether the process still runs (or its exit code), where its log is, and
    /// the log's last <paramref name="tailLines"/> lines (the log goes away with the test's folder, and CI keeps only
    /// what was printed).
    /// </summary>
    public string Describe(int tailLines = 15)
    {
        string state;
        try { state = $"pid {_process.Id}, " + (_process.HasExited ? $"exited with code {_process.ExitCode}" : "running"); }
        catch (InvalidOperationException) { state = "no process"; }
        var text = new System.Text.StringBuilder($"--- {Name} ({Address()}, {state}) log: {LogPath}");
        lock (_log)
        {
            try { _log.Flush(); }
            catch (ObjectDisposedException) { } // disposed: everything it had is in the file already
        }
        string[] lines;
        try
        {
            using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(file);
            lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return text.Append($" (unreadable: {e.Message})").ToString();
        }
        foreach (var line in lines.Skip(Math.Max(0, lines.Length - tailLines)))
            text.Append('\n').Append("    ").Append(line.Length > 400 ? line[..400] + " ..." : line);
        return text.ToString();
    }

    /// <summary>Waits for the process to exit; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then kill -9 if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Terminate();
        if (!await WaitForExitAsync(grace).ConfigureAwait(false)) Kill();
    }

    /// <summary>Kills the process if it still runs; a test's cleanup never leaves a node behind.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
