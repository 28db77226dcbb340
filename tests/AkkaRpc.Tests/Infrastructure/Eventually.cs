using System.Diagnostics;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>Bounded waits for a condition: poll, never sleep-and-hope.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"not true within {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"not true within {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }
}
