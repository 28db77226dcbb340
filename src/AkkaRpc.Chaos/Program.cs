using AkkaRpc.Chaos;

// Usage: AkkaRpc.Chaos [--seconds S] [--accounts N] [--seed N] [--workdir DIR]
//   Last line: chaos: acknowledged=N ambiguous=N lost=N duplicated=N unexpected=N failover_p50_s=X failover_max_s=Y
//   Exit status: 0 clean, 1 lost/duplicated/unexpected found, 2 the harness itself could not run.
// Or: AkkaRpc.Chaos --false-downs [--seconds S (600)] [--accounts N (64)] [--burners N (one per core)] [--workdir DIR]
//   Last line: false-downs: duration_s=S members_downed=N unreachable_events=N calls=N errors=N
//   Exit status: 0 no member downed and all nodes Up at the end, 1 otherwise, 2 the run itself could not run.
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
return settings.FalseDowns
    ? await new FalseDownRun(settings).RunAsync(cancel.Token)
    : await new ChaosRun(settings).RunAsync(cancel.Token);
