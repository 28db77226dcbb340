using System.Diagnostics;
using HdrHistogram;

namespace AkkaRpc.Bench.Runs;

/// <summary>
/// Closed call loops: each loop sends one call, waits for its answer, and sends the next, to a key chosen at random.
/// Runs a warm-up (JIT tiering, shard allocation, entity start), then a measured window in which every call's latency
/// goes into a histogram and the CPU of all cluster processes is sampled at both ends.
/// </summary>
internal static class ClosedLoopLoad
{
    // call: makes one call to key number k, true when it succeeded; pids: every process of the cluster (nodes and
    // caller), for CPU per call.
    public static async Task<BenchResult> RunAsync(
        string variant, Func<int, Task<bool>> call, int callers, int keys, TimeSpan warmup, TimeSpan measured, IReadOnlyList<int> pids)
    {
        var histogram = new LongConcurrentHistogram(1, TimeStamp.Seconds(60), 3);
        long ok = 0, errors = 0;
        var measuring = 0;
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, callers).Select(loop => Task.Run(async () =>
        {
            var random = new Random(loop);
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                bool succeeded;
                try { succeeded = await call(random.Next(keys)).ConfigureAwait(false); }
                catch (Exception e) when (e is not OutOfMemoryException) { succeeded = false; }
                var elapsed = Stopwatch.GetTimestamp() - start;
                if (Volatile.Read(ref measuring) == 0) continue;
                histogram.RecordValue(elapsed);
                if (succeeded) Interlocked.Increment(ref ok);
                else Interlocked.Increment(ref errors);
            }
        })).ToArray();

        await Task.Delay(warmup).ConfigureAwait(false);
        var cpuBefore = Cpu(pids);
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(measured).ConfigureAwait(false);
        Volatile.Write(ref measuring, 0);
        var wall = clock.Elapsed;
        var cpu = Cpu(pids) - cpuBefore;
        stop.Cancel();
        await Task.WhenAll(loops).ConfigureAwait(false);

        double Ms(double percentile) => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
        var calls = Interlocked.Read(ref ok);
        return new BenchResult(variant, calls / wall.TotalSeconds, Ms(50), Ms(99), Ms(99.9), Interlocked.Read(ref errors),
            calls == 0 ? 0 : cpu.TotalMicroseconds / calls);
    }

    private static TimeSpan Cpu(IEnumerable<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) =>
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return sum + process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            // Exited: its CPU is gone from the sum, which the errors column will explain.
            return sum;
        }
    });
}
