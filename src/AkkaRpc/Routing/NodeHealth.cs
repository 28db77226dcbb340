using System.Collections.Concurrent;

namespace AkkaRpc.Routing;

/// <summary>
/// The per-node circuit breaker of a stateless service (outlier ejection): after <see cref="FailureThreshold"/>
/// consecutive failed attempts (no answer in time, Unavailable, ResourceExhausted) a node is taken off the service's
/// hash ring for <see cref="EjectFor"/>; its keys go to the next node on the ring meanwhile. When the time is up the
/// node gets traffic again (half-open): one more failure ejects it again at once, one answer closes it.
/// </summary>
internal sealed class NodeHealth
{
    public const int FailureThreshold = 5;
    private readonly ConcurrentDictionary<string, State> _nodes = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public NodeHealth(TimeProvider time, TimeSpan ejectFor)
    {
        _time = time;
        EjectFor = ejectFor;
    }

    public TimeSpan EjectFor { get; }

    public bool IsEjected(string node) =>
        _nodes.TryGetValue(node, out var state) && _time.GetUtcNow().UtcTicks < Volatile.Read(ref state.EjectedUntilTicks);

    public int EjectedCount => _nodes.Keys.Count(IsEjected);

    public void OnAnswer(string node)
    {
        if (_nodes.TryGetValue(node, out var state)) Volatile.Write(ref state.ConsecutiveFailures, 0);
    }

    public void OnFailure(string node)
    {
        var state = _nodes.GetOrAdd(node, _ => new State());
        if (Interlocked.Increment(ref state.ConsecutiveFailures) >= FailureThreshold)
            Volatile.Write(ref state.EjectedUntilTicks, (_time.GetUtcNow() + EjectFor).UtcTicks);
    }

    private sealed class State
    {
        public int ConsecutiveFailures;
        public long EjectedUntilTicks;
    }
}
