using System.Threading.Channels;

namespace AkkaRpc.Persistence.Writes;

/// <summary>
/// Group commit for the journal: the writes of all entities of a node queue up, and each lane takes everything that
/// waits (up to a row budget) into ONE transaction, so one commit and one fsync serve every call in it. While a
/// transaction runs, the next batch gathers by itself: the busier the node, the larger the batches.
/// </summary>
/// <remarks>
/// A persistence id always goes to the same lane and a lane writes its queue in order, so the writes of one entity
/// are stored in the order they were made. If a transaction of several writes fails, each write is tried again
/// alone, so one bad write (a duplicate sequence number from a stale incarnation) does not fail its neighbours.
/// </remarks>
internal sealed class BatchedJournalWriter : IAsyncDisposable
{
    private readonly Lane[] _lanes;
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="inserters">One per lane: how a lane reaches the database.</param>
    /// <param name="maxRowsPerTransaction">Row budget of one transaction (a single larger write still goes whole).</param>
    /// <param name="queueLimit">Writes that may wait per lane before further writes are refused.</param>
    public BatchedJournalWriter(IReadOnlyList<IJournalInserter> inserters, int maxRowsPerTransaction, int queueLimit)
    {
        _lanes = inserters.Select(i => new Lane(i, maxRowsPerTransaction, queueLimit, _stopping.Token)).ToArray();
    }

    /// <summary>
    /// Queues the rows of one entity's writes; completes once they are committed, and fails if they were not (then
    /// none of them is stored, or, if the commit's outcome was lost with the connection, possibly all of them).
    /// </summary>
    public Task WriteAsync(string persistenceId, JournalRowData[] rows)
    {
        var lane = _lanes[(int)((uint)StableHash(persistenceId) % (uint)_lanes.Length)];
        return lane.Enqueue(rows);
    }

    // string.GetHashCode is randomized per process; only stability within the process matters here, but a plain
    // FNV-1a keeps the lane of an id obvious and cheap.
    private static int StableHash(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s) hash = (hash ^ c) * 16777619u;
        return (int)hash;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var lane in _lanes) await lane.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private sealed record Pending(JournalRowData[] Rows, TaskCompletionSource Done);

    private sealed class Lane : IAsyncDisposable
    {
        private readonly IJournalInserter _inserter;
        private readonly int _maxRows;
        private readonly int _queueLimit;
        private readonly Channel<Pending> _queue;
        private readonly Task _loop;
        private readonly CancellationToken _stopping;

        public Lane(IJournalInserter inserter, int maxRows, int queueLimit, CancellationToken stopping)
        {
            _inserter = inserter;
            _maxRows = maxRows;
            _queueLimit = queueLimit;
            _stopping = stopping;
            _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(queueLimit)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _loop = Task.Run(RunAsync, CancellationToken.None);
        }

        public Task Enqueue(JournalRowData[] rows)
        {
            // Continuations run off the writer's thread: it goes straight back to the next batch.
            var pending = new Pending(rows, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_queue.Writer.TryWrite(pending))
            {
                pending.Done.SetException(_stopping.IsCancellationRequested
                    ? new InvalidOperationException("The journal is stopping; the write was not stored.")
                    : new InvalidOperationException(
                        $"The journal's write queue is full ({_queueLimit} writes waiting); the write was not stored."));
            }
            return pending.Done.Task;
        }

        private async Task RunAsync()
        {
            var batch = new List<Pending>();
            var rows = new List<JournalRowData[]>();
            try
            {
                while (await _queue.Reader.WaitToReadAsync(_stopping).ConfigureAwait(false))
                {
                    batch.Clear();
                    var count = 0;
                    while (count < _maxRows && _queue.Reader.TryRead(out var next))
                    {
                        batch.Add(next);
                        count += next.Rows.Length;
                    }
                    await WriteAsync(batch, rows).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            finally
            {
                _queue.Writer.TryComplete();
                var stopped = new InvalidOperationException("The journal stopped; the write was not stored.");
                foreach (var pending in batch) pending.Done.TrySetException(stopped);
                while (_queue.Reader.TryRead(out var left)) left.Done.TrySetException(stopped);
            }
        }

        private async Task WriteAsync(List<Pending> batch, List<JournalRowData[]> rows)
        {
            rows.Clear();
            foreach (var pending in batch) rows.Add(pending.Rows);
            try
            {
                await _inserter.InsertAsync(rows, _stopping).ConfigureAwait(false);
                foreach (var pending in batch) pending.Done.TrySetResult();
                return;
            }
            catch (Exception e) when (batch.Count == 1 || _stopping.IsCancellationRequested)
            {
                await _inserter.ResetAsync().ConfigureAwait(false);
                foreach (var pending in batch) pending.Done.TrySetException(e);
                return;
            }
            catch (Exception)
            {
                await _inserter.ResetAsync().ConfigureAwait(false);
            }

            // The transaction rolled back: nothing of it is stored. Each write alone finds out whether it was the
            // cause (a database that is down fails them all, as one transaction would have).
            foreach (var pending in batch)
            {
                try
                {
                    await _inserter.InsertAsync([pending.Rows], _stopping).ConfigureAwait(false);
                    pending.Done.TrySetResult();
                }
                catch (Exception e)
                {
                    await _inserter.ResetAsync().ConfigureAwait(false);
                    pending.Done.TrySetException(e);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await _inserter.DisposeAsync().ConfigureAwait(false);
        }
    }
}
