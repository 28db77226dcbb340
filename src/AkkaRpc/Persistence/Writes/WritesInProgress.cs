using Akka.Actor;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// The journal's latest unfinished write per persistence id, so that reading an entity's highest sequence number
/// (recovery of a new incarnation) first waits for a write of the old one still in flight, as the plugin's own write
/// path guarantees. Used only from the journal actor's thread; completions come back as messages.
/// </summary>
internal sealed class WritesInProgress
{
    private readonly Dictionary<string, Task> _latest = new(StringComparer.Ordinal);

    /// <summary>Sent by a finished write to the journal, which passes it to <see cref="Finished"/>.</summary>
    public sealed record WriteDone(string PersistenceId, Task Write);

    public void Track(string persistenceId, Task write, IActorRef journal)
    {
        _latest[persistenceId] = write;
        write.ContinueWith(static (t, state) =>
        {
            var (id, self) = ((string, IActorRef))state!;
            self.Tell(new WriteDone(id, t));
        }, (persistenceId, journal), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Finished(WriteDone done)
    {
        if (_latest.TryGetValue(done.PersistenceId, out var latest) && ReferenceEquals(latest, done.Write))
            _latest.Remove(done.PersistenceId);
    }

    /// <summary>Completes when the latest write of this id has finished, successfully or not (never throws).</summary>
    public Task WaitFor(string persistenceId) =>
        _latest.TryGetValue(persistenceId, out var write) && !write.IsCompleted
            ? write.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            : Task.CompletedTask;
}
