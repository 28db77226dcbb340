using System.Collections.Concurrent;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// The newest unfinished journal write of each persistence id. Akka.Persistence.Sql answers "highest sequence number"
/// only after the write in progress for that id has finished (its private <c>_writeInProgress</c>), so an entity
/// restarted right after a write sees the write. The fast path reads past the plugin, so it keeps the same promise
/// with its own record. Thread-safe: writes are recorded on the journal's thread, and each removes itself from a pool
/// thread when it completes (only if no newer write replaced it).
/// </summary>
internal sealed class WritesInFlight
{
    private readonly ConcurrentDictionary<string, Task> _newest = new(StringComparer.Ordinal);

    public void Add(string persistenceId, Task write)
    {
        _newest[persistenceId] = write;
        write.ContinueWith(
            (done, state) => ((ConcurrentDictionary<string, Task>)state!).TryRemove(new KeyValuePair<string, Task>(persistenceId, done)),
            _newest, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Whether a write of <paramref name="persistenceId"/> has not finished yet.</summary>
    public bool InFlight(string persistenceId) => _newest.TryGetValue(persistenceId, out var write) && !write.IsCompleted;

    /// <summary>Completes when the newest write of <paramref name="persistenceId"/> has finished, failed or not.</summary>
    public Task Finished(string persistenceId) =>
        _newest.TryGetValue(persistenceId, out var write) && !write.IsCompleted
            ? write.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            : Task.CompletedTask;
}
