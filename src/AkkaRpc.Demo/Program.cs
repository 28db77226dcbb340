using AkkaRpc.Demo;

// Usage: AkkaRpc.Demo [--accounts N] [--seconds S] [--workdir DIR]             the failover demo (scripts/demo.sh)
//        AkkaRpc.Demo drill [--accounts N] [--before S] [--after S] [--workdir DIR]   the DR drill (scripts/dr-drill.sh)
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    return args is ["drill", .. var rest]
        ? await new DrillRun(DrillSettings.Parse(rest)).RunAsync(cancel.Token)
        : await new DemoRun(DemoSettings.Parse(args)).RunAsync(cancel.Token);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}
