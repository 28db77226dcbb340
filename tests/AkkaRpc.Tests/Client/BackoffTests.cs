using AkkaRpc.Client;

namespace AkkaRpc.Tests.Client;

public class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 100)]
    [InlineData(3, 200)]
    [InlineData(5, 800)]
    [InlineData(6, 1000)]
    [InlineData(60, 1000)]
    public void Ceiling_should_double_per_retry_up_to_the_cap(int retry, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Backoff.Ceiling(retry, Base, Cap));
    }

    [Fact]
    public void Delay_should_be_fully_jittered_within_zero_and_the_ceiling()
    {
        var random = new Random(42);
        var delays = Enumerable.Range(0, 10_000).Select(_ => Backoff.Delay(4, Base, Cap, random)).ToArray();
        var ceiling = Backoff.Ceiling(4, Base, Cap);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, ceiling));
        // Full jitter spreads waits uniformly: the mean sits near half the ceiling and both ends are used.
        var mean = delays.Average(d => d.TotalMilliseconds);
        Assert.InRange(mean, ceiling.TotalMilliseconds * 0.45, ceiling.TotalMilliseconds * 0.55);
        Assert.Contains(delays, d => d < ceiling * 0.05);
        Assert.Contains(delays, d => d > ceiling * 0.95);
    }

    [Fact]
    public void Policy_validation_should_reject_nonsense()
    {
        Assert.Throws<ArgumentException>(() => new CallPolicy { MaxAttempts = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new CallPolicy { Timeout = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new CallPolicy { AttemptTimeout = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Throws<ArgumentException>(() => new CallPolicy { BackoffBase = TimeSpan.FromSeconds(2), BackoffCap = TimeSpan.FromSeconds(1) }.Validate());
        CallPolicy.Default.Validate();
    }
}
