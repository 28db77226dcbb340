namespace AkkaRpc.Client;

/// <summary>
/// Retry throttling per service, in the spirit of gRPC's: a token bucket where every failed attempt takes one token
/// and every answered one gives back <c>tokenRatio</c>; retries go at once while more than half the tokens remain.
/// First attempts are never throttled. Below half, retries are not dropped but metered: they are handed out at
/// <c>minRetriesPerSecond</c>, first come first served, and a retry whose turn would come after its call's deadline is
/// refused. A failover that stalls every caller for a few seconds therefore delays retries instead of failing calls,
/// while under a total outage the extra attempts stay at that fixed, small rate: the number of attempts stays close
/// to the number of calls.
/// </summary>
public sealed class RetryBudget
{
    // Tokens are kept in thousandths so the bucket is one integer updated lock-free.
    private const int Scale = 1000;
    private readonly int _max;
    private readonly int _ratio;
    private readonly double _reservePerSecond;
    private readonly TimeProvider _time;
    private readonly object _reserveLock = new();
    private int _tokens;
    private double _reserve;
    private long _reserveUpdated;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="maxTokens">Bucket size (gRPC's default is 10).</param>
    /// <param name="tokenRatio">Tokens returned per answered attempt (gRPC's default is 0.1).</param>
    /// <param name="minRetriesPerSecond">Retries always allowed per second, whatever the bucket says (0 = pure gRPC).</param>
    /// <param name="time">Clock of the reserve.</param>
    public RetryBudget(double maxTokens, double tokenRatio, double minRetriesPerSecond = 0, TimeProvider? time = null)
    {
        if (maxTokens is <= 0 or > 1000) throw new ArgumentOutOfRangeException(nameof(maxTokens), "must be in (0, 1000]");
        if (tokenRatio is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(tokenRatio), "must be in (0, 1]");
        if (minRetriesPerSecond is < 0 or > 10_000) throw new ArgumentOutOfRangeException(nameof(minRetriesPerSecond), "must be in [0, 10000]");
        _max = (int)(maxTokens * Scale);
        _ratio = (int)(tokenRatio * Scale);
        _tokens = _max;
        _reservePerSecond = minRetriesPerSecond;
        _time = time ?? TimeProvider.System;
        _reserve = minRetriesPerSecond;
        _reserveUpdated = _time.GetTimestamp();
    }

    /// <summary>Tokens in the gRPC bucket now.</summary>
    public double Tokens => Volatile.Read(ref _tokens) / (double)Scale;

    /// <summary>An attempt failed in a way that counts against the service (unavailable, timeout, overload).</summary>
    public void OnFailure() => Update(-Scale);

    /// <summary>An attempt was answered.</summary>
    public void OnSuccess() => Update(_ratio);

    /// <summary>Asks to send a retry now: true, or false when the bucket is below half and the meter has no turn free.</summary>
    public bool TryRetry() => TryRetry(TimeSpan.Zero, out _);

    /// <summary>
    /// Asks to send a retry within <paramref name="maxWait"/>: true with <paramref name="wait"/> = how long to hold it
    /// (zero while the bucket is above half), or false when its metered turn would come later than that.
    /// </summary>
    public bool TryRetry(TimeSpan maxWait, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (Volatile.Read(ref _tokens) > _max / 2) return true;
        if (_reservePerSecond <= 0) return false;
        lock (_reserveLock)
        {
            var now = _time.GetTimestamp();
            // The meter may run into debt (negative): each retry in the queue waits for its own turn.
            _reserve = Math.Min(_reservePerSecond, _reserve + _time.GetElapsedTime(_reserveUpdated, now).TotalSeconds * _reservePerSecond);
            _reserveUpdated = now;
            var turn = _reserve >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _reserve) / _reservePerSecond);
            if (turn > maxWait) return false;
            _reserve -= 1;
            wait = turn;
            return true;
        }
    }

    private void Update(int delta)
    {
        int current, next;
        do
        {
            current = Volatile.Read(ref _tokens);
            next = Math.Clamp(current + delta, 0, _max);
        } while (Interlocked.CompareExchange(ref _tokens, next, current) != current);
    }
}
