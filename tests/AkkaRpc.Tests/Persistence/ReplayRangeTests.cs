using AkkaRpc.Persistence.Recovery;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// <see cref="ReplayRange.WhenReplayedAsync"/>: a replay sharing a query ends as soon as its own rows are delivered,
/// and otherwise with the query's outcome.
/// </summary>
public sealed class ReplayRangeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static ReplayRange Range() => new("acc-1", 1, 10, _ => { });

    [Fact]
    public async Task A_replay_whose_rows_are_delivered_should_end_before_its_shared_query_does()
    {
        var range = Range();
        var query = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var replayed = range.WhenReplayedAsync(query.Task);
        Assert.False(replayed.IsCompleted);

        range.Finish();
        await replayed.WaitAsync(Bound);
        Assert.False(query.Task.IsCompleted);

        // A failure of the query after that belongs to the requests still waiting, not to this one.
        query.SetException(new InvalidOperationException("connection lost"));
        await replayed.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_replay_whose_query_fails_first_should_fail_with_the_query_error()
    {
        var range = Range();
        var query = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var replayed = range.WhenReplayedAsync(query.Task);

        query.SetException(new InvalidOperationException("acc-1 #2 could not be deserialized"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => replayed.WaitAsync(Bound));
        Assert.Contains("acc-1 #2", error.Message);
    }

    [Fact]
    public async Task A_replay_whose_query_is_cancelled_should_be_cancelled()
    {
        var range = Range();
        var query = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var replayed = range.WhenReplayedAsync(query.Task);

        query.SetCanceled();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replayed.WaitAsync(Bound));
    }
}
