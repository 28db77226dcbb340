namespace AkkaRpc.Entities;

/// <summary>Runtime settings shared by all entities of one service on one node.</summary>
/// <param name="SnapshotEvery">Snapshot after this many persisted commands, so recovery replays at most that many rows.</param>
/// <param name="RememberedRequests">How many applied request ids each entity remembers for deduplication.</param>
/// <param name="Time">Clock for deadline checks.</param>
/// <param name="Shedder">The node's load-shedding limits (null: none).</param>
/// <param name="Backoff">Restart backoff after the entity stopped on a journal failure.</param>
internal sealed record EntitySettings(int SnapshotEvery, int RememberedRequests, TimeProvider Time,
    Routing.LoadShedder? Shedder = null, RestartBackoff? Backoff = null)
{
    public RestartBackoff RestartBackoff => Backoff ?? RestartBackoff.Default;
}

/// <summary>Akka BackoffSupervisor semantics: wait min·2^n, capped at max, plus up to randomFactor of jitter.</summary>
/// <param name="Min">First wait.</param>
/// <param name="Max">Longest wait.</param>
/// <param name="RandomFactor">Extra random share of the wait (0.2 = up to +20%).</param>
/// <param name="ResetAfter">A child that stayed up this long starts again from <paramref name="Min"/>.</param>
public sealed record RestartBackoff(TimeSpan Min, TimeSpan Max, double RandomFactor, TimeSpan ResetAfter)
{
    /// <summary>0.5 s doubling to 10 s, 20% jitter, reset after 30 s of health.</summary>
    public static RestartBackoff Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2, TimeSpan.FromSeconds(30));

    /// <summary>The wait before restart number <paramref name="restart"/> (1-based).</summary>
    public TimeSpan Delay(int restart, Random random)
    {
        var ceiling = Client.Backoff.Ceiling(restart, Min, Max);
        return ceiling * (1 + random.NextDouble() * RandomFactor);
    }
}
