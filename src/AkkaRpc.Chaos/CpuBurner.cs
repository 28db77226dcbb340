namespace AkkaRpc.Chaos;

/// <summary>
/// Threads that spin at normal priority until disposed: with the call load, they keep every core busy, so the nodes'
/// heartbeats compete for CPU as they would on an overloaded host.
/// </summary>
internal sealed class CpuBurner : IDisposable
{
    private readonly Thread[] _threads;
    private volatile bool _stop;

    public CpuBurner(int threads)
    {
        _threads = Enumerable.Range(0, threads).Select(i => new Thread(Spin) { IsBackground = true, Name = $"cpu-burner-{i}" }).ToArray();
        foreach (var thread in _threads) thread.Start();
    }

    private void Spin()
    {
        // Arithmetic the JIT cannot drop (the result is kept), checking the flag now and then.
        var x = 1.0;
        while (!_stop)
            for (var i = 0; i < 100_000; i++) x = Math.Sqrt(x + i);
        GC.KeepAlive(x);
    }

    public void Dispose()
    {
        _stop = true;
        foreach (var thread in _threads) thread.Join();
    }
}
