using Akka.Persistence;

namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// One replay waiting for a shared query: the persistence id, its inclusive sequence-number range, and where each of
/// its events goes. A class, not a record: two recoveries of the same id with the same range are still two requests,
/// each owed its own events (equality is by reference).
/// </summary>
internal sealed class ReplayRange(string persistenceId, long from, long to, Action<IPersistentRepresentation> recoveryCallback)
{
    public string PersistenceId { get; } = persistenceId;

    public long From { get; } = from;

    public long To { get; } = to;

    public Action<IPersistentRepresentation> RecoveryCallback { get; } = recoveryCallback;

    // Completed by the shared query as soon as this request's last row has passed (rows come ordered by request), so
    // an entity early in a query need not wait for the rows of the entities after it.
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every row of this request has been handed to <see cref="RecoveryCallback"/>.</summary>
    public void Finish() => _done.TrySetResult();

    /// <summary>
    /// Completes when this request's rows are all delivered, or with <paramref name="query"/>'s outcome if the query ends
    /// first (the query failed or was cancelled, or this request's own row failed: the query reports that per request).
    /// </summary>
    public async Task WhenReplayedAsync(Task query)
    {
        var first = await Task.WhenAny(_done.Task, query).ConfigureAwait(false);
        if (first != _done.Task)
        {
            await query.ConfigureAwait(false);
            return;
        }
        // Delivered in full. Should the query fail after that (its connection lost on a later request's rows), the
        // failure belongs to the requests still waiting; it is observed here so that it is not reported as unobserved.
        _ = query.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
