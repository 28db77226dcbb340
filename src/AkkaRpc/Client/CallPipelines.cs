using System.Collections.Concurrent;
using AkkaRpc.Protocol;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

using AkkaRpc.Diagnostics;

namespace AkkaRpc.Client;

/// <summary>
/// The Polly pipelines the client runs every call through:
/// <c>retry (one for the client) → circuit breaker + attempt timeout (one per service) → attempt</c>.
/// Per-call values (deadline, policy, attempt count) travel in the resilience context, so the pipelines are built
/// once and shared: a breaker must see every call of its service to be of any use.
/// </summary>
internal sealed class CallPipelines
{
    public static readonly ResiliencePropertyKey<CallState> StateKey = new("akkarpc.call");

    /// <summary>Set by a stateless attempt: the node its router picked.</summary>
    public static readonly ResiliencePropertyKey<string> NodeKey = new("akkarpc.node");

    /// <summary>Set on a hedged attempt's context: which distinct node along the ring it goes to.</summary>
    public static readonly ResiliencePropertyKey<int> RouteIndexKey = new("akkarpc.route-index");

    private readonly TimeProvider _time;
    private readonly ClientResilienceOptions _options;
    private readonly RpcMetrics _metrics;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<RpcReply>> _services = new();
    private readonly ConcurrentDictionary<(string, int), ResiliencePipeline<RpcReply>> _hedged = new();
    private readonly ConcurrentDictionary<string, RetryBudget> _budgets = new();

    public CallPipelines(TimeProvider time, ClientResilienceOptions options, RpcMetrics metrics)
    {
        _time = time;
        _options = options;
        _metrics = metrics;
        Retry = new ResiliencePipelineBuilder<RpcReply> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<RpcReply>
            {
                // The real limit is the policy's, checked in ShouldRetry; Polly's own cap only has to be out of the way.
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(StateKey, null!).NextDelay),
                OnRetry = args =>
                {
                    _metrics.Retries.Add(1, Tag(args.Context));
                    return default;
                },
            })
            .Build();
    }

    /// <summary>The client-wide retry strategy.</summary>
    public ResiliencePipeline<RpcReply> Retry { get; }

    public RetryBudget BudgetFor(string service) =>
        _budgets.GetOrAdd(service, _ => new RetryBudget(_options.RetryBudgetTokens, _options.RetryBudgetRatio, _options.RetryBudgetMinPerSecond, _time));

    /// <summary>Breaker + attempt timeout of one service.</summary>
    public ResiliencePipeline<RpcReply> ServicePipeline(string service) => _services.GetOrAdd(service, s =>
    {
        var state = new CircuitBreakerStateProvider();
        _metrics.TrackBreaker(s, state);
        return new ResiliencePipelineBuilder<RpcReply> { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<RpcReply>
            {
                FailureRatio = _options.BreakerFailureRatio,
                MinimumThroughput = _options.BreakerMinimumThroughput,
                SamplingDuration = _options.BreakerSamplingDuration,
                BreakDuration = _options.BreakerBreakDuration,
                StateProvider = state,
                // What says "this service is sick": no answer in time, unavailable, overloaded. An answer with an
                // application error (NotFound, FailedPrecondition...) is a healthy service.
                ShouldHandle = args =>
                {
                    var failure = IsServiceFailure(args.Outcome);
                    ChargeNode(args.Context, args.Outcome, failure);
                    return ValueTask.FromResult(failure);
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args =>
                {
                    var call = args.Context.Properties.GetValue(StateKey, null!);
                    return ValueTask.FromResult(call.LastAttemptTimeout = AttemptTimeout(call));
                },
            })
            .Build();
    });

    /// <summary>
    /// Hedging in front of the service pipeline, for stateless services: up to <paramref name="hedges"/> more attempts,
    /// each to the next distinct node on the key's ring, after the policy's hedge delay (0 = all at once: forking).
    /// The first success wins; Polly cancels the others, and a cancelled attempt forgets its pending reply.
    /// </summary>
    public ResiliencePipeline<RpcReply> HedgedPipeline(string service, int hedges) => _hedged.GetOrAdd((service, hedges), key =>
    {
        var inner = ServicePipeline(key.Item1);
        return new ResiliencePipelineBuilder<RpcReply> { TimeProvider = _time }
            .AddHedging(new Polly.Hedging.HedgingStrategyOptions<RpcReply>
            {
                MaxHedgedAttempts = key.Item2,
                ShouldHandle = args => ValueTask.FromResult(IsServiceFailure(args.Outcome)),
                DelayGenerator = args =>
                {
                    var policy = args.Context.Properties.GetValue(StateKey, null!).Policy;
                    return ValueTask.FromResult(policy.Mode == FaultMode.Forking ? TimeSpan.Zero : policy.HedgeDelay ?? TimeSpan.Zero);
                },
                ActionGenerator = args =>
                {
                    args.ActionContext.Properties.Set(RouteIndexKey, args.AttemptNumber);
                    return () => args.Callback(args.ActionContext);
                },
                OnHedging = args =>
                {
                    _metrics.Hedges.Add(1, Tag(args.PrimaryContext));
                    return default;
                },
            })
            .AddPipeline(inner)
            .Build();
    });

    /// <summary>min(AttemptTimeout + (n-1)·growth, time left): no attempt outlives the call.</summary>
    public TimeSpan AttemptTimeout(CallState call)
    {
        var growth = call.Policy.AttemptTimeoutGrowth * call.Attempts; // Attempts = attempts already sent = n-1
        var wanted = call.Policy.AttemptTimeout + growth;
        var left = call.Deadline - _time.GetUtcNow();
        // Polly refuses a zero timeout; an attempt with no time left fails at once in the attempt itself.
        return left < wanted ? (left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1)) : wanted;
    }

    /// <summary>Retryable: the request was certainly not applied, or the entity dedupes it.</summary>
    public static bool IsRetryable(RpcStatusCode code) => code is RpcStatusCode.Unavailable or RpcStatusCode.ResourceExhausted;

    /// <summary>Per-node breaker of stateless services: an answer clears the node, a failure counts against it; a
    /// cancelled attempt (lost hedge, caller, deadline) says nothing about the node.</summary>
    private static void ChargeNode(ResilienceContext context, Outcome<RpcReply> outcome, bool failure)
    {
        if (!context.Properties.TryGetValue(NodeKey, out var node) || node.Length == 0) return;
        var health = context.Properties.GetValue(StateKey, null!).Endpoint.Health;
        if (health is null) return;
        if (failure) health.OnFailure(node);
        else if (outcome.Result is not null) health.OnAnswer(node);
    }

    private static bool IsServiceFailure(Outcome<RpcReply> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => true,
        { Result: { } reply } => IsRetryable(reply.Code),
        _ => false,
    };

    private bool ShouldRetry(Outcome<RpcReply> outcome, ResilienceContext context)
    {
        var call = context.Properties.GetValue(StateKey, null!);
        if (outcome.Result is { } reply) call.LastServedBy = reply.ServedBy ?? call.LastServedBy;

        if (outcome.Exception is BrokenCircuitException broken)
        {
            // Nothing was sent, so no budget is spent; come back when the breaker may let a probe through.
            call.BreakerRejections++;
            if (call.Attempts + call.BreakerRejections >= call.Policy.EffectiveMaxAttempts || context.CancellationToken.IsCancellationRequested) return false;
            var wait = broken.RetryAfter is { } after && after > TimeSpan.FromMilliseconds(50) ? after : TimeSpan.FromMilliseconds(50);
            var backoff = Backoff.Delay(call.Attempts + 1, call.Policy.BackoffBase, call.Policy.BackoffCap, Random.Shared);
            var openDelay = wait > backoff ? wait : backoff;
            if (_time.GetUtcNow() + openDelay >= call.Deadline) return false;
            call.NextDelay = openDelay;
            return true;
        }

        var failed = outcome switch
        {
            { Exception: TimeoutRejectedException } => true,
            { Result: { } r } => IsRetryable(r.Code),
            _ => false, // cancelled or past the deadline: not a retry case
        };
        if (!failed)
        {
            if (outcome.Result is not null) call.Budget.OnSuccess();
            return false;
        }
        call.Budget.OnFailure();

        if (call.Attempts >= call.Policy.EffectiveMaxAttempts || context.CancellationToken.IsCancellationRequested) return false;

        var delay = Backoff.Delay(call.Attempts, call.Policy.BackoffBase, call.Policy.BackoffCap, Random.Shared);
        // Pushback: an overloaded server says how long to stay away; never come back sooner.
        if (outcome.Result is { RetryAfterMs: > 0 } pushback)
            delay = TimeSpan.FromMilliseconds(Math.Max(delay.TotalMilliseconds, pushback.RetryAfterMs));
        if (_time.GetUtcNow() + delay >= call.Deadline) return false;

        // Asked last, so a retry that would not be sent anyway spends no budget. Below half the bucket a retry is
        // metered: it may have to wait its turn, but only as long as the deadline allows.
        var left = call.Deadline - _time.GetUtcNow() - delay;
        if (!call.Budget.TryRetry(left - TimeSpan.FromMilliseconds(50), out var turn))
        {
            call.Throttled = true;
            _metrics.ThrottledRetries.Add(1, Tag(context));
            return false;
        }
        if (turn > TimeSpan.Zero)
        {
            _metrics.ThrottledRetries.Add(1, Tag(context));
            delay += turn;
        }
        call.NextDelay = delay;
        return true;
    }

    private static KeyValuePair<string, object?> Tag(ResilienceContext context) =>
        new("rpc.service", context.Properties.GetValue(StateKey, null!).Endpoint.Service);
}
