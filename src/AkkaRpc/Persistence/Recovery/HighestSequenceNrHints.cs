namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Highest sequence numbers the snapshot store read together with a recovery's snapshot, kept for the journal's
/// "highest sequence number" read that Akka.Persistence sends right after (one database, shared by the journal and the
/// snapshot store through <see cref="RecoveryHintsExtension"/>). A recovery then costs one round trip instead of two;
/// in a cold start those reads were more than half of all recovery statements (docs/disaster-recovery.md, item 16).
/// </summary>
/// <remarks>
/// A hint is the answer a query would have given when the snapshot query ran, so it is handed out only while no write
/// of that id can have changed it since: <see cref="Begin"/> makes no hint for an id with a write still in flight, a
/// write that starts later removes the hint (<see cref="WriteStarted"/>), and each hint is taken once. Both checks run
/// under one lock, so a write recorded just before a hint begins is always seen by it, and a hint begun just before a
/// write is always removed by it. A write from another node is not seen here; the separate query would have raced with
/// it the same way (one incarnation per id is the cluster's promise, and the journal's unique key is the backstop).
/// </remarks>
/// <param name="time">The clock of <see cref="Lifetime"/>.</param>
internal sealed class HighestSequenceNrHints(TimeProvider time)
{
    /// <summary>Hints on the system clock.</summary>
    public HighestSequenceNrHints() : this(TimeProvider.System)
    {
    }

    /// <summary>
    /// A finished hint older than this is not used. Akka asks for the highest number within milliseconds of the snapshot
    /// load; a hint left behind by a recovery that failed between the two must not answer a much later read.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    // Hints begun and not yet taken or dropped; swept of stale ones every SweepEvery begins, so ids whose recovery
    // stopped between the snapshot load and the journal read do not accumulate.
    private const int SweepEvery = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, Hint> _hints = new(StringComparer.Ordinal);
    private int _begunSinceSweep;

    /// <summary>The journal's unfinished writes of each id (the journal records them; <see cref="Begin"/> reads them).</summary>
    public WritesInFlight Writes { get; } = new();

    /// <summary>Hints waiting to be taken (for tests).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _hints.Count;
        }
    }

    /// <summary>
    /// Records a journal write of <paramref name="persistenceId"/> and drops the id's hint. Called on the journal's
    /// thread as soon as the write is handed on (it may even have committed already), before the journal takes its next
    /// request, so no <see cref="TryTake"/> of the journal can come between.
    /// </summary>
    public void WriteStarted(string persistenceId, Task write)
    {
        Writes.Add(persistenceId, write);
        lock (_gate) _hints.Remove(persistenceId);
    }

    /// <summary>
    /// Starts a hint for <paramref name="persistenceId"/>, to be called before the query that reads its highest number
    /// starts; null when a write of the id is in flight (its outcome could land after the query reads).
    /// </summary>
    public Hint? Begin(string persistenceId)
    {
        lock (_gate)
        {
            if (Writes.InFlight(persistenceId)) return null;
            if (++_begunSinceSweep >= SweepEvery) SweepLocked();
            var hint = new Hint(persistenceId, time.GetTimestamp());
            _hints[persistenceId] = hint;
            return hint;
        }
    }

    /// <summary>The query behind <paramref name="hint"/> read <paramref name="highest"/> (0: the id has no event).</summary>
    public void Complete(Hint hint, long highest)
    {
        lock (_gate)
        {
            // A write since Begin removed it, or a newer Begin replaced it: then this answer is not the newest.
            if (!_hints.TryGetValue(hint.PersistenceId, out var current) || !ReferenceEquals(current, hint)) return;
            hint.Highest = highest;
            hint.CompletedAt = time.GetTimestamp();
        }
    }

    /// <summary>The query behind <paramref name="hint"/> did not answer for its id.</summary>
    public void Abandon(Hint hint)
    {
        lock (_gate)
        {
            if (_hints.TryGetValue(hint.PersistenceId, out var current) && ReferenceEquals(current, hint)) _hints.Remove(hint.PersistenceId);
        }
    }

    /// <summary>Takes the id's finished, fresh hint, if there is one: its highest sequence number as of the snapshot query.</summary>
    public bool TryTake(string persistenceId, out long highest)
    {
        lock (_gate)
        {
            if (_hints.TryGetValue(persistenceId, out var hint) && hint.CompletedAt is { } at)
            {
                _hints.Remove(persistenceId);
                if (time.GetElapsedTime(at) <= Lifetime)
                {
                    highest = hint.Highest;
                    return true;
                }
            }
        }
        highest = 0;
        return false;
    }

    private void SweepLocked()
    {
        _begunSinceSweep = 0;
        // Pending hints are swept by their age too: their query failed without Abandon only if its process is stopping.
        var stale = _hints.Where(h => time.GetElapsedTime(h.Value.CompletedAt ?? h.Value.BegunAt) > Lifetime).Select(h => h.Key).ToList();
        foreach (var id in stale) _hints.Remove(id);
    }

    /// <summary>One id's hint: begun before its query, finished when the query answered.</summary>
    internal sealed class Hint(string persistenceId, long begunAt)
    {
        public string PersistenceId { get; } = persistenceId;

        /// <summary>Timestamps of <c>time</c>.</summary>
        public long BegunAt { get; } = begunAt;

        public long? CompletedAt { get; set; }

        public long Highest { get; set; }
    }
}
