using System.Diagnostics.Metrics;
using AkkaRpc.Client;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace AkkaRpc.Tests.Resilience;

/// <summary>The client's failure semantics on a fake clock: deadlines, retries, budget, breaker, modes, pushback.</summary>
public class ClientResilienceTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    public ClientResilienceTests() : base(TestConfig.ActorTests) { }

    internal ScriptedClient Client(Func<RpcCall, RpcReply?> script, ClientResilienceOptions? resilience = null, CallPolicy? policy = null) =>
        new(Sys, _time, script, resilience, policy);

    [Fact]
    public async Task A_call_should_never_outlive_its_deadline()
    {
        foreach (var seed in Enumerable.Range(1, 12))
        {
            var random = new Random(seed);
            var policy = new CallPolicy
            {
                Timeout = TimeSpan.FromMilliseconds(random.Next(300, 5000)),
                AttemptTimeout = TimeSpan.FromMilliseconds(random.Next(50, 2000)),
                AttemptTimeoutGrowth = TimeSpan.FromMilliseconds(random.Next(0, 500)),
                MaxAttempts = random.Next(1, 10),
            };
            // Silence or retryable failures: the worst case for a deadline.
            var client = Client(call => call.Attempt % 2 == 0 ? null : ScriptedClient.Fail(call, RpcStatusCode.Unavailable),
                new ClientResilienceOptions { BreakerMinimumThroughput = 1000 });
            var start = _time.GetUtcNow();
            var result = await client.Drive(client.Deposit($"d-{seed}", new CallOptions { Policy = policy }), TimeSpan.FromMilliseconds(5));
            var took = _time.GetUtcNow() - start;
            Assert.False(result.IsOk);
            Assert.True(took <= policy.Timeout + TimeSpan.FromMilliseconds(20), $"seed {seed}: took {took.TotalMilliseconds} ms of a {policy.Timeout.TotalMilliseconds} ms budget");
            Assert.InRange(result.Attempts, 1, policy.MaxAttempts);
        }
    }

    [Fact]
    public async Task Retries_should_reuse_the_request_id_and_number_the_attempts()
    {
        var client = Client(call => call.Attempt < 3 ? ScriptedClient.Fail(call, RpcStatusCode.Unavailable) : ScriptedClient.Ok(call));
        var result = await client.Drive(client.Deposit("r1", new CallOptions { RequestId = "req-77" }));
        Assert.True(result.IsOk, result.ToString());
        Assert.Equal(3, result.Attempts);
        Assert.All(client.Received, r => Assert.Equal("req-77", r.Call.RequestId));
        Assert.Equal([1, 2, 3], client.Received.Select(r => r.Call.Attempt));
    }

    [Fact]
    public async Task Only_safe_failures_should_be_retried()
    {
        foreach (var code in new[] { RpcStatusCode.InvalidArgument, RpcStatusCode.FailedPrecondition, RpcStatusCode.NotFound, RpcStatusCode.Internal, RpcStatusCode.DeadlineExceeded })
        {
            var client = Client(call => ScriptedClient.Fail(call, code));
            var result = await client.Drive(client.Deposit("s1"));
            Assert.Equal(code, result.Code);
            Assert.Equal(1, result.Attempts);
        }
        var overloaded = Client(call => call.Attempt == 1 ? ScriptedClient.Fail(call, RpcStatusCode.ResourceExhausted) : ScriptedClient.Ok(call));
        Assert.Equal(2, (await overloaded.Drive(overloaded.Deposit("s2"))).Attempts);
    }

    [Fact]
    public async Task Backoff_between_attempts_should_stay_within_the_capped_exponential_ceiling()
    {
        var policy = new CallPolicy { Timeout = TimeSpan.FromSeconds(60), MaxAttempts = 8, AttemptTimeout = TimeSpan.FromSeconds(1), BackoffBase = TimeSpan.FromMilliseconds(100), BackoffCap = TimeSpan.FromMilliseconds(800) };
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable),
            new ClientResilienceOptions { BreakerMinimumThroughput = 1000, RetryBudgetTokens = 1000 });
        var result = await client.Drive(client.Deposit("b1", new CallOptions { Policy = policy }), TimeSpan.FromMilliseconds(5));
        Assert.Equal(8, result.Attempts);
        var times = client.Received.Select(r => r.At).ToArray();
        for (var n = 1; n < times.Length; n++)
        {
            var gap = times[n] - times[n - 1];
            Assert.InRange(gap, TimeSpan.Zero, Backoff.Ceiling(n, policy.BackoffBase, policy.BackoffCap) + TimeSpan.FromMilliseconds(30));
        }
    }

    [Fact]
    public async Task Attempt_timeouts_should_grow_by_the_configured_step_and_stay_inside_the_deadline()
    {
        var policy = new CallPolicy
        {
            Timeout = TimeSpan.FromSeconds(5), AttemptTimeout = TimeSpan.FromMilliseconds(500),
            AttemptTimeoutGrowth = TimeSpan.FromMilliseconds(500), MaxAttempts = 10, BackoffBase = TimeSpan.Zero, BackoffCap = TimeSpan.Zero,
        };
        var client = Client(_ => null, new ClientResilienceOptions { BreakerMinimumThroughput = 1000, RetryBudgetTokens = 1000 });
        var result = await client.Drive(client.Deposit("g1", new CallOptions { Policy = policy }), TimeSpan.FromMilliseconds(5));
        Assert.Equal(RpcStatusCode.DeadlineExceeded, result.Code);
        var times = client.Received.Select(r => r.At).ToArray();
        // t0 + k·d: 500, 1000, 1500 ms ... then the last attempt gets only what is left of the 5 s. An attempt's arrival
        // is stamped on the fake clock when the scripted node sees it, which can be one 5 ms drive step after it was sent,
        // so each gap is exact to within a step on either side.
        Assert.InRange((times[1] - times[0]).TotalMilliseconds, 495, 540);
        Assert.InRange((times[2] - times[1]).TotalMilliseconds, 995, 1040);
        Assert.InRange((times[3] - times[2]).TotalMilliseconds, 1495, 1540);
        Assert.Equal(4, times.Length);
        Assert.Contains("may have been applied", result.Error!.Message);
    }

    [Fact]
    public async Task The_retry_budget_should_throttle_under_total_failure_and_recover()
    {
        var resilience = new ClientResilienceOptions { RetryBudgetTokens = 10, RetryBudgetMinPerSecond = 0, BreakerMinimumThroughput = 100_000 };
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable), resilience);
        for (var i = 0; i < 100; i++)
            Assert.False((await client.Drive(client.Deposit($"t{i}"))).IsOk);
        var attempts = client.Received.Count;
        // 100 calls × up to 10 attempts would be 1000; the budget keeps it near the number of calls.
        Assert.InRange(attempts, 100, 110);

        // The service heals: successes refill the bucket and retries are allowed again.
        client.Script = call => ScriptedClient.Ok(call);
        for (var i = 0; i < 100; i++) Assert.True((await client.Drive(client.Deposit($"ok{i}"))).IsOk);
        Assert.True(client.Runtime.RetryBudgetOf("accounts").Tokens > 5);
        client.Script = call => call.Attempt == 1 ? ScriptedClient.Fail(call, RpcStatusCode.Unavailable) : ScriptedClient.Ok(call);
        Assert.Equal(2, (await client.Drive(client.Deposit("again"))).Attempts);
    }

    [Fact]
    public void Budget_reserve_should_allow_a_few_retries_per_second_whatever_the_bucket()
    {
        var budget = new RetryBudget(10, 0.1, minRetriesPerSecond: 2, _time);
        for (var i = 0; i < 10; i++) budget.OnFailure();
        Assert.True(budget.TryRetry());
        Assert.True(budget.TryRetry());
        Assert.False(budget.TryRetry());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.TryRetry());
    }

    [Fact]
    public void Below_half_the_bucket_retries_should_be_metered_not_dropped_while_the_deadline_allows()
    {
        var budget = new RetryBudget(10, 0.1, minRetriesPerSecond: 2, _time);
        for (var i = 0; i < 10; i++) budget.OnFailure();
        Assert.True(budget.TryRetry(TimeSpan.FromSeconds(1), out var first));
        Assert.True(budget.TryRetry(TimeSpan.FromSeconds(1), out var second));
        Assert.Equal(TimeSpan.Zero, first + second); // the reserve of 2 goes at once
        Assert.True(budget.TryRetry(TimeSpan.FromSeconds(1), out var third));
        Assert.Equal(TimeSpan.FromSeconds(0.5), third); // then one turn every 1/2 s, first come first served
        Assert.True(budget.TryRetry(TimeSpan.FromSeconds(1), out var fourth));
        Assert.Equal(TimeSpan.FromSeconds(1), fourth);
        Assert.False(budget.TryRetry(TimeSpan.FromSeconds(1), out _)); // its turn would come after its deadline
    }

    [Fact]
    public async Task The_breaker_should_open_fail_fast_half_open_and_close()
    {
        var resilience = new ClientResilienceOptions
        {
            BreakerMinimumThroughput = 4, BreakerFailureRatio = 0.5, BreakerSamplingDuration = TimeSpan.FromSeconds(10),
            BreakerBreakDuration = TimeSpan.FromSeconds(5), RetryBudgetMinPerSecond = 0,
        };
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable), resilience, CallPolicy.NoRetry);
        for (var i = 0; i < 4; i++) await client.Drive(client.Deposit($"x{i}"));
        Assert.Equal(CircuitState.Open, client.Runtime.Metrics.BreakerState("accounts"));

        var sent = client.Received.Count;
        var fast = await client.Drive(client.Deposit("while-open"));
        Assert.Equal(RpcStatusCode.Unavailable, fast.Code);
        Assert.Contains("circuit breaker", fast.Error!.Message);
        Assert.Equal(sent, client.Received.Count); // nothing reached the service

        client.Script = call => ScriptedClient.Ok(call);
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await client.Drive(client.Deposit("probe"))).IsOk); // half-open probe
        Assert.Equal(CircuitState.Closed, client.Runtime.Metrics.BreakerState("accounts"));
    }

    [Fact]
    public async Task Pushback_should_delay_the_retry_at_least_as_long_as_the_server_asked()
    {
        var client = Client(call => call.Attempt == 1 ? ScriptedClient.Fail(call, RpcStatusCode.ResourceExhausted, retryAfterMs: 700) : ScriptedClient.Ok(call));
        var result = await client.Drive(client.Deposit("p1"), TimeSpan.FromMilliseconds(5));
        Assert.True(result.IsOk);
        var times = client.Received.Select(r => r.At).ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(700), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Failfast_should_make_one_attempt()
    {
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable));
        var result = await client.Drive(client.Deposit("f1", new CallOptions { Policy = new CallPolicy { Mode = FaultMode.Failfast } }));
        Assert.Equal(RpcStatusCode.Unavailable, result.Code);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task Failsafe_should_swallow_the_error_and_return_the_fallback()
    {
        var fallback = new AccountBalance("none", 0, 0);
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable));
        var result = await client.Drive(client.Deposit("s1", new CallOptions { Policy = new CallPolicy { Mode = FaultMode.Failsafe, Fallback = fallback, MaxAttempts = 2 } }));
        Assert.True(result.IsOk);
        Assert.Equal(fallback, result.Value);
        Assert.Equal(RpcStatusCode.Unavailable, result.SwallowedError!.Code);

        var wrongType = await client.Drive(client.Deposit("s2", new CallOptions { Policy = new CallPolicy { Mode = FaultMode.Failsafe, Fallback = new Sample.Quotes.Quote("X", 1, 1, 1) } }));
        Assert.Equal(RpcStatusCode.InvalidArgument, wrongType.Code);
    }

    [Fact]
    public async Task Failback_should_return_at_once_and_resend_in_the_background_until_it_lands()
    {
        var healthy = false;
        var client = Client(call => Volatile.Read(ref healthy) ? ScriptedClient.Ok(call) : ScriptedClient.Fail(call, RpcStatusCode.Unavailable));
        var result = await client.Drive(client.Deposit("fb", new CallOptions { RequestId = "fb-1", Policy = new CallPolicy { Mode = FaultMode.Failback, MaxAttempts = 2 } }));
        Assert.False(result.IsOk);
        Assert.True(result.ResendScheduled);

        var sentWhileSick = client.Received.Count;
        Volatile.Write(ref healthy, true);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (client.Runtime.Failback.Pending > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the failback resend never landed");
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }
        // It was resent (same idempotency key, so the entity applies it once) and answered.
        Assert.True(client.Received.Count > sentWhileSick);
        Assert.All(client.Received, r => Assert.Equal("fb-1", r.Call.RequestId));
    }

    [Fact]
    public async Task Metrics_should_count_attempts_retries_and_throttled_retries()
    {
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        var client = Client(call => ScriptedClient.Fail(call, RpcStatusCode.Unavailable),
            new ClientResilienceOptions { RetryBudgetTokens = 10, RetryBudgetMinPerSecond = 0, BreakerMinimumThroughput = 100_000 });
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == client.Runtime.Metrics.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts) counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
        });
        listener.Start();
        for (var i = 0; i < 20; i++) await client.Drive(client.Deposit($"m{i}"));
        lock (counts)
        {
            Assert.Equal(client.Received.Count, counts["akkarpc.client.attempts"]);
            Assert.Equal(client.Received.Count - 20, counts["akkarpc.client.retries"]);
            Assert.True(counts["akkarpc.client.retries.throttled"] > 0);
            Assert.Equal(20, counts["akkarpc.client.calls"]);
        }
    }

    [Fact]
    public void Policy_precedence_should_be_call_then_method_then_service_then_default()
    {
        var global = new CallPolicy { MaxAttempts = 2 };
        var service = new CallPolicy { MaxAttempts = 3 };
        var method = new CallPolicy { MaxAttempts = 4 };
        var table = new PolicyTable(global, new() { ["accounts"] = service }, new() { [("accounts", "Withdraw")] = method });
        Assert.Same(method, table.Resolve(new RpcMethodAttribute("accounts", "Withdraw")));
        Assert.Same(service, table.Resolve(new RpcMethodAttribute("accounts", "Deposit")));
        Assert.Same(global, table.Resolve(new RpcMethodAttribute("quotes", "GetQuote")));
    }
}
