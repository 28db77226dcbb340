namespace AkkaRpc.Chaos;

/// <summary>
/// The invariant check, after Jepsen's set checker: given what the caller knows about an account (acknowledged,
/// ambiguous, failed deposits) and what the cluster says (transaction count and balance), how many acknowledged
/// deposits are missing (lost), how many applications have no deposit to account for them (duplicated), and whether
/// the value is one no history could produce (unexpected). Pure, so it is unit-tested without a cluster.
/// </summary>
internal static class SetChecker
{
    /// <summary>The verdict for one account.</summary>
    public readonly record struct Verdict(long Lost, long Duplicated, bool Unexpected);

    public static Verdict Check(AccountHistory history, long transactions, long balance)
    {
        var acked = history.AcknowledgedCount;
        var ambiguous = history.AmbiguousAmounts.Count;
        var lost = Math.Max(0, acked - transactions);
        var duplicated = Math.Max(0, transactions - acked - ambiguous);
        return new Verdict(lost, duplicated, lost == 0 && duplicated == 0 && !Possible(history, transactions, balance));
    }

    /// <summary>
    /// Could <paramref name="transactions"/> deposits with this <paramref name="balance"/> be every acknowledged deposit
    /// plus some of the ambiguous ones? The count must lie between the two, and the balance beyond the acknowledged sum
    /// must lie between the k smallest and the k largest ambiguous amounts (k = count beyond the acknowledged). A
    /// bound, not a subset-sum search: cheap, and still catches any acknowledged amount that went missing while an
    /// ambiguous one took its place in the count, unless the two happen to fit the bounds.
    /// </summary>
    public static bool Possible(AccountHistory history, long transactions, long balance)
    {
        var extraCount = transactions - history.AcknowledgedCount;
        if (extraCount < 0 || extraCount > history.AmbiguousAmounts.Count) return false;
        var sorted = history.AmbiguousAmounts.Order().ToArray();
        var min = sorted.Take((int)extraCount).Sum();
        var max = sorted.Skip(sorted.Length - (int)extraCount).Sum();
        var extra = balance - history.AcknowledgedSum;
        return extra >= min && extra <= max;
    }
}
