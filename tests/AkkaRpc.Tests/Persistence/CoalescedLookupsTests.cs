using AkkaRpc.Persistence.Recovery;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// <see cref="CoalescedLookups{TKey, T}"/> on a fake read whose queries finish when the test says: which ids share a query,
/// and what each waiter gets back.
/// </summary>
public sealed class CoalescedLookupsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Records every query and lets the test finish them one by one.</summary>
    private sealed class FakeReads
    {
        private readonly List<(string[] Ids, TaskCompletionSource<IReadOnlyDictionary<string, LookupResult<long>>> Done)> _queries = [];

        public Task<IReadOnlyDictionary<string, LookupResult<long>>> ReadAsync(IReadOnlyList<string> ids, CancellationToken _)
        {
            var done = new TaskCompletionSource<IReadOnlyDictionary<string, LookupResult<long>>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_queries) _queries.Add(([.. ids], done));
            return done.Task;
        }

        public int Count { get { lock (_queries) return _queries.Count; } }

        public string[] Ids(int query) { lock (_queries) return _queries[query].Ids; }

        /// <summary>Answers query <paramref name="query"/>: every id's value is its length, except those in <paramref name="failing"/>.</summary>
        public void Finish(int query, params string[] failing)
        {
            (string[] Ids, TaskCompletionSource<IReadOnlyDictionary<string, LookupResult<long>>> Done) q;
            lock (_queries) q = _queries[query];
            q.Done.SetResult(q.Ids.Where(id => id != "missing").ToDictionary(id => id,
                id => failing.Contains(id) ? new LookupResult<long>(0, new InvalidOperationException($"bad {id}")) : new LookupResult<long>(id.Length, null)));
        }

        public void Fail(int query, Exception error)
        {
            lock (_queries) _queries[query].Done.SetException(error);
        }
    }

    [Fact]
    public async Task Lookups_queued_behind_a_query_in_flight_should_share_the_next_query()
    {
        var reads = new FakeReads();
        var lookups = new CoalescedLookups<string, long>(reads.ReadAsync, none: -1, maxBatch: 3, maxInFlight: 1, CancellationToken.None);

        var first = lookups.LookupAsync("a", CancellationToken.None);
        Assert.Equal(["a"], reads.Ids(0));
        var queued = new[] { "bb", "ccc", "bb", "missing", "eeeee" }.Select(id => lookups.LookupAsync(id, CancellationToken.None)).ToList();
        // Nothing else starts while the first query is in flight.
        Assert.Equal(1, reads.Count);

        reads.Finish(0);
        Assert.Equal(1, await first.WaitAsync(Bound));
        // The next query takes the queued ids in arrival order, each once, up to the batch limit; then the rest.
        await Eventually.TrueAsync(() => reads.Count == 2, Bound, "second query started");
        Assert.Equal(["bb", "ccc", "missing"], reads.Ids(1));
        reads.Finish(1, failing: "ccc");
        await Eventually.TrueAsync(() => reads.Count == 3, Bound, "third query started");
        Assert.Equal(["eeeee"], reads.Ids(2));
        reads.Finish(2);

        Assert.Equal(2, await queued[0].WaitAsync(Bound));
        Assert.Equal(2, await queued[2].WaitAsync(Bound));
        // One id's error fails that id only; an id the query found nothing for gets the "none" value.
        Assert.Equal("bad ccc", (await Assert.ThrowsAsync<InvalidOperationException>(() => queued[1].WaitAsync(Bound))).Message);
        Assert.Equal(-1, await queued[3].WaitAsync(Bound));
        Assert.Equal(5, await queued[4].WaitAsync(Bound));
    }

    [Fact]
    public async Task A_failed_query_should_fail_its_ids_and_later_lookups_should_still_be_served()
    {
        var reads = new FakeReads();
        var lookups = new CoalescedLookups<string, long>(reads.ReadAsync, none: 0, maxBatch: 100, maxInFlight: 1, CancellationToken.None);
        var first = lookups.LookupAsync("a", CancellationToken.None);
        var second = lookups.LookupAsync("bb", CancellationToken.None);
        reads.Fail(0, new TimeoutException("database gone"));
        Assert.Equal("database gone", (await Assert.ThrowsAsync<TimeoutException>(() => first.WaitAsync(Bound))).Message);

        await Eventually.TrueAsync(() => reads.Count == 2, Bound, "second query started");
        reads.Finish(1);
        Assert.Equal(2, await second.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_cancelled_lookup_should_end_at_once_and_not_be_read()
    {
        var reads = new FakeReads();
        var lookups = new CoalescedLookups<string, long>(reads.ReadAsync, none: 0, maxBatch: 100, maxInFlight: 1, CancellationToken.None);
        var first = lookups.LookupAsync("a", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var given = lookups.LookupAsync("given-up", cancel.Token);
        var kept = lookups.LookupAsync("kept", CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => given.WaitAsync(Bound));

        reads.Finish(0);
        await first.WaitAsync(Bound);
        await Eventually.TrueAsync(() => reads.Count == 2, Bound, "second query started");
        Assert.Equal(["kept"], reads.Ids(1));
        reads.Finish(1);
        Assert.Equal(4, await kept.WaitAsync(Bound));
    }
}
