using AkkaRpc.Persistence.Recovery;
using Microsoft.Extensions.Time.Testing;

namespace AkkaRpc.Tests.Persistence;

/// <summary>
/// <see cref="HighestSequenceNrHints"/>: a highest sequence number read with a snapshot answers the journal's next read
/// only while no write of the id can have changed it.
/// </summary>
public sealed class HighestSequenceNrHintsTests
{
    [Fact]
    public void A_finished_hint_should_be_taken_once()
    {
        var hints = new HighestSequenceNrHints();
        var hint = hints.Begin("acc-1")!;
        Assert.False(hints.TryTake("acc-1", out _)); // the query has not answered yet
        hints.Complete(hint, 100);

        Assert.True(hints.TryTake("acc-1", out var highest));
        Assert.Equal(100, highest);
        Assert.False(hints.TryTake("acc-1", out _));
        Assert.False(hints.TryTake("acc-2", out _));
        Assert.Equal(0, hints.Count);
    }

    [Fact]
    public void A_write_that_starts_after_the_hint_began_should_drop_it()
    {
        var hints = new HighestSequenceNrHints();
        var hint = hints.Begin("acc-1")!;
        var write = new TaskCompletionSource<bool>();
        hints.WriteStarted("acc-1", write.Task);
        hints.Complete(hint, 100); // the query may have read before the write committed

        Assert.False(hints.TryTake("acc-1", out _));
        Assert.Equal(0, hints.Count);
    }

    [Fact]
    public void No_hint_should_begin_while_a_write_of_the_id_is_in_flight()
    {
        var hints = new HighestSequenceNrHints();
        var write = new TaskCompletionSource<bool>();
        hints.WriteStarted("acc-1", write.Task);
        Assert.Null(hints.Begin("acc-1"));
        // Other ids are not affected.
        Assert.NotNull(hints.Begin("acc-2"));

        // Once the write has finished, a query that starts now sees it.
        write.SetResult(true);
        var hint = hints.Begin("acc-1")!;
        hints.Complete(hint, 7);
        Assert.True(hints.TryTake("acc-1", out var highest));
        Assert.Equal(7, highest);
    }

    [Fact]
    public void Only_the_newest_begun_hint_of_an_id_should_count()
    {
        var hints = new HighestSequenceNrHints();
        var older = hints.Begin("acc-1")!;
        var newer = hints.Begin("acc-1")!;
        hints.Complete(older, 5);
        Assert.False(hints.TryTake("acc-1", out _)); // the newer one has not answered

        var third = hints.Begin("acc-1")!;
        hints.Complete(third, 9);
        hints.Complete(newer, 6); // replaced: ignored
        Assert.True(hints.TryTake("acc-1", out var highest));
        Assert.Equal(9, highest);
    }

    [Fact]
    public void An_abandoned_hint_should_leave_nothing_behind()
    {
        var hints = new HighestSequenceNrHints();
        var hint = hints.Begin("acc-1")!;
        hints.Abandon(hint);
        hints.Complete(hint, 3);
        Assert.Equal(0, hints.Count);
        Assert.False(hints.TryTake("acc-1", out _));
    }

    [Fact]
    public void A_hint_older_than_its_lifetime_should_not_answer()
    {
        var time = new FakeTimeProvider();
        var hints = new HighestSequenceNrHints(time);
        hints.Complete(hints.Begin("acc-1")!, 4);
        hints.Complete(hints.Begin("acc-2")!, 5);
        time.Advance(HighestSequenceNrHints.Lifetime);
        Assert.True(hints.TryTake("acc-1", out var highest));
        Assert.Equal(4, highest);

        // Left behind by a recovery that stopped between the snapshot load and the journal read.
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(hints.TryTake("acc-2", out _));
        Assert.Equal(0, hints.Count);
    }
}
