using AkkaRpc.Chaos;

// Usage: AkkaRpc.Chaos [--seconds S] [--accounts N] [--seed N] [--workdir DIR]
// Last line: chaos: acknowledged=N ambiguous=N lost=N duplicated=N unexpected=N failover_p50_s=X failover_max_s=Y
// Exit status: 0 clean, 1 lost/duplicated/unexpected found, 2 the harness itself could not run.
ChaosSettings settings;
try { settings = ChaosSettings.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await new ChaosRun(settings).RunAsync(cancel.Token);
