namespace AkkaRpc.Demo;

/// <summary>
/// When each deposit was acknowledged, per account. Every account is driven by one loop at a time and a deposit is
/// retried with its own idempotency key until acknowledged, so an account's journal holds exactly its acknowledged
/// deposits in order: a restored account with T transactions kept its first T deposits and lost the rest.
/// </summary>
internal sealed class DrillLedger
{
    private readonly Dictionary<string, List<TimeSpan>> _acks;

    public DrillLedger(IEnumerable<string> accounts) => _acks = accounts.ToDictionary(a => a, _ => new List<TimeSpan>());

    /// <summary>Records the next acknowledged deposit of <paramref name="account"/>; only its owning loop calls this.</summary>
    public void Acknowledged(string account, TimeSpan at)
    {
        var list = _acks[account];
        lock (list) list.Add(at);
    }

    /// <summary>Deposits acknowledged so far for <paramref name="account"/>.</summary>
    public int Count(string account)
    {
        var list = _acks[account];
        lock (list) return list.Count;
    }

    /// <summary>Compares what was acknowledged with what the restored cluster serves.</summary>
    public DrillOutcome Compare(IReadOnlyDictionary<string, long> servedTransactions, TimeSpan backupStart)
    {
        long beforeBackup = 0, restored = 0, lostBefore = 0, lostAfter = 0, unexpected = 0;
        TimeSpan? firstLost = null, lastAck = null;
        foreach (var (account, acks) in _acks)
        {
            var served = servedTransactions[account];
            var acked = acks.Count;
            var ackedBefore = acks.Count(t => t < backupStart);
            beforeBackup += ackedBefore;
            restored += Math.Min(served, acked);
            if (served > acked) unexpected += served - acked;
            lostBefore += Math.Max(0, ackedBefore - served);
            lostAfter += Math.Max(0, acked - Math.Max(served, ackedBefore));
            if (served < acked && (firstLost is null || acks[(int)served] < firstLost)) firstLost = acks[(int)served];
            if (acked > 0 && (lastAck is null || acks[^1] > lastAck)) lastAck = acks[^1];
        }
        // RPO: the span of acknowledged writes that are gone, from the oldest lost one to the last acknowledged write
        // before the database was destroyed.
        var rpo = firstLost is { } first && lastAck is { } last ? last - first : TimeSpan.Zero;
        return new DrillOutcome(beforeBackup, restored, lostBefore, lostAfter, unexpected, rpo);
    }
}

/// <summary>What the drill found.</summary>
/// <param name="BackupAcknowledged">Deposits acknowledged before the backup started (the backup must hold them).</param>
/// <param name="Restored">Acknowledged deposits the restored cluster serves.</param>
/// <param name="LostBeforeBackup">Deposits acknowledged before the backup point and not served after the restore (must be 0).</param>
/// <param name="LostAfterBackup">Deposits acknowledged after the backup started and not served (the cost of the backup interval).</param>
/// <param name="Unexpected">Transactions served beyond what was acknowledged (must be 0: a write applied twice).</param>
/// <param name="Rpo">Span of acknowledged writes lost.</param>
internal sealed record DrillOutcome(long BackupAcknowledged, long Restored, long LostBeforeBackup, long LostAfterBackup, long Unexpected, TimeSpan Rpo);
