using AkkaRpc.Demo;

// Usage: AkkaRpc.Demo [--accounts N] [--seconds S] [--workdir DIR]
var settings = DemoSettings.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await new DemoRun(settings).RunAsync(cancel.Token);
