namespace AkkaRpc.Chaos;

/// <summary>
/// What the caller knows about one account's operations, in Jepsen's terms. Every deposit has its own request id and
/// its own amount (the account's write sequence number), so a write applied twice shows in the transaction count and
/// in the balance. Written by the account's single operation loop only; read by the checker after that loop ended.
/// </summary>
internal sealed class AccountHistory(string account)
{
    private readonly List<long> _ambiguous = [];

    public string Account { get; } = account;

    /// <summary>Deposits sent so far; also the amount of the latest one.</summary>
    public long Attempted { get; private set; }

    /// <summary>Deposits answered Ok.</summary>
    public long AcknowledgedCount { get; private set; }

    /// <summary>The sum of the acknowledged amounts.</summary>
    public long AcknowledgedSum { get; private set; }

    /// <summary>Amounts of deposits that timed out or failed in a way that may have applied.</summary>
    public IReadOnlyList<long> AmbiguousAmounts => _ambiguous;

    /// <summary>Deposits rejected with a definite error: never applied.</summary>
    public long FailedCount { get; private set; }

    /// <summary>Reads during the load whose value no history of this account could produce.</summary>
    public List<string> UnexpectedReads { get; } = [];

    public long NextAmount() => ++Attempted;

    public void Acknowledged(long amount)
    {
        AcknowledgedCount++;
        AcknowledgedSum += amount;
    }

    public void Ambiguous(long amount) => _ambiguous.Add(amount);

    public void Failed() => FailedCount++;
}
