namespace AkkaRpc.Client;

/// <summary>
/// Capped exponential backoff with full jitter: before retry n (n = 1 after the first attempt) wait
/// <c>random(0, min(cap, base·2^(n-1)))</c>. The cap bounds the wait; the jitter keeps many clients that failed
/// together from retrying together.
/// </summary>
public static class Backoff
{
    /// <summary>The upper bound of the wait before retry <paramref name="retry"/> (1-based).</summary>
    public static TimeSpan Ceiling(int retry, TimeSpan @base, TimeSpan cap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        // 2^30 already exceeds any sane cap; clamping the exponent avoids overflow.
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var ticks = Math.Min(cap.Ticks, @base.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A fully jittered wait before retry <paramref name="retry"/>.</summary>
    public static TimeSpan Delay(int retry, TimeSpan @base, TimeSpan cap, Random random) =>
        TimeSpan.FromTicks((long)(random.NextDouble() * Ceiling(retry, @base, cap).Ticks));
}
