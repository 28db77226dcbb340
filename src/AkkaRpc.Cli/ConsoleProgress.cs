using AkkaRpc.Backup;
using Spectre.Console;

namespace AkkaRpc.Cli;

/// <summary>A Spectre.Console progress bar per phase of a long operation.</summary>
internal sealed class ConsoleProgress : IProgress<BackupProgress>
{
    private readonly ProgressContext _context;
    private readonly Dictionary<string, ProgressTask> _tasks = [];

    private ConsoleProgress(ProgressContext context) => _context = context;

    /// <summary>Runs <paramref name="work"/> with a progress display on stderr's terminal (stdout stays for results).</summary>
    public static Task<T> RunAsync<T>(Func<IProgress<BackupProgress>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(context => work(new ConsoleProgress(context)));
    }

    public void Report(BackupProgress value)
    {
        lock (_tasks)
        {
            if (!_tasks.TryGetValue(value.Phase, out var task))
                _tasks[value.Phase] = task = _context.AddTask(value.Phase, maxValue: Math.Max(1, value.Total));
            if (value.Total > 0) task.MaxValue = value.Total;
            task.Value = value.Total > 0 ? value.Done : task.MaxValue;
        }
    }
}
