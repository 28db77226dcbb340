using AkkaRpc.Demo;

// Usage: AkkaRpc.Demo [--accounts N] [--seconds S] [--workdir DIR]             the failover demo (scripts/demo.sh)
//        AkkaRpc.Demo drill [--accounts N] [--before S] [--after S] [--workdir DIR]   the DR drill (scripts/dr-drill.sh)
//        AkkaRpc.Demo cold-restart [--provider Sqlite|PostgreSql] [--entities N] ...  recovery benchmark (scripts/cold-restart.sh)
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    return args switch
    {
        ["drill", .. var rest] => await new DrillRun(DrillSettings.Parse(rest)).RunAsync(cancel.Token),
        ["cold-restart", .. var rest] => await new ColdRestartRun(ColdRestartSettings.Parse(rest)).RunAsync(cancel.Token),
        _ => await new DemoRun(DemoSettings.Parse(args)).RunAsync(cancel.Token),
    };
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}
