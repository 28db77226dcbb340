namespace AkkaRpc.Persistence.Recovery;

/// <summary>
/// Turns many concurrent one-id lookups (highest sequence number, latest snapshot) into few multi-id queries. While
/// <c>maxInFlight</c> queries are running (the readers set the number: measured on SQLite, one at a time made each
/// entity wait 19 ms instead of 7 ms for no gain), lookups queue; when one finishes, the next query serves every
/// queued id at once (up to <c>maxBatch</c>). A cold restart starts thousands of entities within a second, and one query for 200 ids costs
/// little more than one for a single id, while each round trip pays the reader slot, the statement and, on
/// PostgreSQL, the network: per entity the round trip was the cost. A lookup that finds nothing waiting starts its query at
/// once, so a single entity restarting pays no delay.
/// A lookup only ever joins a query that has not started yet, so what it reads was in the database when it asked.
/// </summary>
/// <typeparam name="TKey">What a lookup asks for: a persistence id, or a whole request (a replay's id and range).</typeparam>
/// <typeparam name="T">What one key's lookup returns.</typeparam>
internal sealed class CoalescedLookups<TKey, T>(
    Func<IReadOnlyList<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, LookupResult<T>>>> read,
    T none,
    int maxBatch,
    int maxInFlight,
    CancellationToken stopping) where TKey : notnull
{
    private readonly object _gate = new();
    // Queued keys in arrival order, each with everyone waiting for it (the same key asked twice is read once; keys are
    // compared by their own equality: ordinal for persistence ids, identity for replay requests).
    private readonly Dictionary<TKey, List<TaskCompletionSource<T>>> _queued = new();
    private readonly Queue<TKey> _order = new();
    private int _inFlight;

    /// <summary>The value for <paramref name="id"/> as read by a query that starts after this call.</summary>
    public Task<T> LookupAsync(TKey id, CancellationToken cancellationToken)
    {
        // Completions run the caller's continuation elsewhere, never inside the loop that completes a whole batch.
        var waiter = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(static state =>
            {
                var (w, token) = ((TaskCompletionSource<T>, CancellationToken))state!;
                w.TrySetCanceled(token);
            }, (waiter, cancellationToken));
            waiter.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        List<KeyValuePair<TKey, List<TaskCompletionSource<T>>>>? start;
        lock (_gate)
        {
            if (_queued.TryGetValue(id, out var waiting)) waiting.Add(waiter);
            else
            {
                _queued[id] = [waiter];
                _order.Enqueue(id);
            }
            start = TakeBatchLocked();
        }
        if (start is not null) _ = RunAsync(start);
        return waiter.Task;
    }

    // Takes the next batch if a query may start now; the caller starts it outside the lock.
    private List<KeyValuePair<TKey, List<TaskCompletionSource<T>>>>? TakeBatchLocked()
    {
        if (_inFlight >= maxInFlight || _order.Count == 0) return null;
        var batch = new List<KeyValuePair<TKey, List<TaskCompletionSource<T>>>>(Math.Min(_order.Count, maxBatch));
        while (batch.Count < maxBatch && _order.TryDequeue(out var id))
        {
            batch.Add(new(id, _queued[id]));
            _queued.Remove(id);
        }
        _inFlight++;
        return batch;
    }

    private async Task RunAsync(List<KeyValuePair<TKey, List<TaskCompletionSource<T>>>> batch)
    {
        while (batch is not null)
        {
            try
            {
                // Ids whose every waiter gave up are not read.
                var ids = batch.Where(b => b.Value.Exists(w => !w.Task.IsCompleted)).Select(b => b.Key).ToList();
                var results = ids.Count == 0
                    ? new Dictionary<TKey, LookupResult<T>>()
                    : await read(ids, stopping).ConfigureAwait(false);
                foreach (var (id, waiters) in batch)
                {
                    if (!results.TryGetValue(id, out var result)) result = new LookupResult<T>(none, null);
                    foreach (var waiter in waiters)
                    {
                        if (result.Error is null) waiter.TrySetResult(result.Value);
                        else waiter.TrySetException(result.Error);
                    }
                }
            }
            catch (Exception e)
            {
                // The query itself failed: every id in it fails with the query's error, as its own read would have.
                foreach (var (_, waiters) in batch)
                foreach (var waiter in waiters)
                    waiter.TrySetException(e);
            }
            lock (_gate)
            {
                _inFlight--;
                batch = TakeBatchLocked()!;
            }
        }
    }
}

/// <summary>One id's outcome in a multi-id query: its value, or the error that fails only its lookup.</summary>
internal readonly record struct LookupResult<T>(T Value, Exception? Error);
