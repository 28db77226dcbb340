namespace AkkaRpc.Client;

/// <summary>
/// Retry throttling per service, in the spirit of gRPC's: a token bucket where every failed attempt takes one token
/// and every answered one gives back <c>tokenRatio</c>; retries are allowed while more than half the tokens remain.
/// First attempts are never throttled. Added to gRPC's rule, a small reserve of <c>minRetriesPerSecond</c> (Finagle's
/// idea): a handful of callers waiting out a failover, with no successful calls around to refill the bucket, still get
/// their retries, while under a total outage of a busy service the extra attempts stay at that small, fixed rate —
/// the number of attempts stays close to the number of calls.
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

    /// <summary>Asks to send a retry: true (and a reserve token is spent if the bucket alone would refuse) or false.</summary>
    public bool TryRetry()
    {
        if (Volatile.Read(ref _tokens) > _max / 2) return true;
        if (_reservePerSecond <= 0) return false;
        lock (_reserveLock)
        {
            var now = _time.GetTimestamp();
            _reserve = Math.Min(_reservePerSecond, _reserve + _time.GetElapsedTime(_reserveUpdated, now).TotalSeconds * _reservePerSecond);
            _reserveUpdated = now;
            if (_reserve < 1) return false;
            _reserve -= 1;
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
