namespace AkkaRpc;

/// <summary>Per-call settings. Anything left null falls back to the client's <see cref="CallPolicy"/>.</summary>
public sealed record CallOptions
{
    /// <summary>
    /// Idempotency key. Give the same key to every retry of one logical write (also across process restarts of the
    /// caller) and the write applies once; the entity answers a repeat with the original reply. When null, the
    /// client generates one per call and reuses it across its own retries.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>Overall time budget of the call, all attempts and backoff included.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Absolute deadline; wins over <see cref="Timeout"/> when both are set.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>The policy for this call; overrides the client's default.</summary>
    public CallPolicy? Policy { get; init; }
}

/// <summary>
/// How a call is attempted: fault-tolerance mode, time budget, per-attempt timeout and retries. Retries happen only
/// here, in the client, never again in the cluster, so load on a sick cluster cannot multiply layer by layer. The
/// client's retry budget and per-service circuit breakers apply on top of every policy.
/// </summary>
public sealed record CallPolicy
{
    /// <summary>The default: 10 s budget, 2 s attempts, up to 10 attempts with capped, fully jittered backoff.</summary>
    public static CallPolicy Default { get; } = new();

    /// <summary>A policy that never retries: one attempt, answer or error (Dubbo's failfast).</summary>
    public static CallPolicy NoRetry { get; } = new() { Mode = FaultMode.Failfast };

    /// <summary>What to do when an attempt fails. Default <see cref="FaultMode.Failover"/>.</summary>
    public FaultMode Mode { get; init; } = FaultMode.Failover;

    /// <summary>
    /// Added to the attempt timeout for each further attempt: attempt n waits AttemptTimeout + (n-1)·growth (the
    /// seed's <c>t0 + k·d</c>), always capped by the time left before the deadline. Zero (default): every attempt
    /// gets the same timeout.
    /// </summary>
    public TimeSpan AttemptTimeoutGrowth { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The answer a <see cref="FaultMode.Failsafe"/> call returns instead of an error; it must be of the request's
    /// response type.
    /// </summary>
    public IRpcMessage? Fallback { get; init; }

    /// <summary>How long <see cref="FaultMode.Failback"/> keeps resending a failed call in the background.</summary>
    public TimeSpan FailbackFor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Hedging, for stateless (idempotent) services: when the answer has not come after this delay, a second attempt
    /// goes to another node; the first success wins and the other attempt is cancelled. Null (default): no hedging.
    /// </summary>
    public TimeSpan? HedgeDelay { get; init; }

    /// <summary>How many nodes a <see cref="FaultMode.Forking"/> call goes to at once.</summary>
    public int ForkCount { get; init; } = 2;

    /// <summary>The attempts this policy allows: 1 for failfast, <see cref="MaxAttempts"/> otherwise.</summary>
    public int EffectiveMaxAttempts => Mode == FaultMode.Failfast ? 1 : MaxAttempts;

    /// <summary>Overall time budget when the call names none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Upper bound of one attempt. The real timeout of an attempt is the smaller of this and the time left before the
    /// deadline, so no attempt outlives the call.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most attempts per call, the first included. 1 disables retries. The default is high enough that the deadline,
    /// not the count, ends a call that waits out a failover (attempts of 2 s plus backoff fill 10 s in about 5 tries
    /// when nothing answers, more when answers are fast refusals).
    /// </summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>Base of the exponential backoff: attempt n waits random(0, min(cap, base·2^(n-1))).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Cap of the backoff, so waits never grow without bound.</summary>
    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> when a value makes no sense.</summary>
    public void Validate()
    {
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.", nameof(Timeout));
        if (AttemptTimeout <= TimeSpan.Zero) throw new ArgumentException("AttemptTimeout must be positive.", nameof(AttemptTimeout));
        if (MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1.", nameof(MaxAttempts));
        if (BackoffBase < TimeSpan.Zero || BackoffCap < BackoffBase)
            throw new ArgumentException("Backoff needs 0 <= BackoffBase <= BackoffCap.", nameof(BackoffCap));
        if (AttemptTimeoutGrowth < TimeSpan.Zero)
            throw new ArgumentException("AttemptTimeoutGrowth must not be negative.", nameof(AttemptTimeoutGrowth));
        if (Mode == FaultMode.Failsafe && Fallback is null)
            throw new ArgumentException("Failsafe needs a Fallback answer.", nameof(Fallback));
        if (FailbackFor <= TimeSpan.Zero)
            throw new ArgumentException("FailbackFor must be positive.", nameof(FailbackFor));
        if (HedgeDelay is { } hedge && hedge < TimeSpan.Zero) throw new ArgumentException("HedgeDelay must not be negative.", nameof(HedgeDelay));
        if (ForkCount is < 2 or > 16) throw new ArgumentException("ForkCount must be 2 to 16.", nameof(ForkCount));
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"Unknown mode {Mode}.", nameof(Mode));
    }
}

/// <summary>What a call does when an attempt fails, in Dubbo's vocabulary.</summary>
public enum FaultMode
{
    /// <summary>Retry safe failures (Unavailable, attempt timeout, ResourceExhausted) with backoff inside the deadline. Default.</summary>
    Failover,

    /// <summary>Never retry: one attempt, its answer or its error.</summary>
    Failfast,

    /// <summary>Like failover, but an error is swallowed: the caller gets <see cref="CallPolicy.Fallback"/> and the error is kept for logging.</summary>
    Failsafe,

    /// <summary>Like failover; if the call still fails, it is recorded and resent in the background (same request id, so it applies once) while the caller gets the error at once.</summary>
    Failback,

    /// <summary>Stateless services only: <see cref="CallPolicy.ForkCount"/> attempts to different nodes at once; the first success wins, the rest are cancelled.</summary>
    Forking,

    /// <summary>Stateless services only: every node with the service's role gets the call; it succeeds only if all succeed (the first node's answer is returned).</summary>
    Broadcast,
}
