using AkkaRpc.Entities;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;

namespace AkkaRpc.Tests.Entities;

public class RecentRequestsTests
{
    private static AccountBalance Reply(long n) => new("a", n, n);

    private static StoredReply Stored(long n) => new StoredReply(Reply(n));

    [Fact]
    public void Should_forget_the_oldest_ids_first_beyond_capacity()
    {
        var recent = new RecentRequests(3);
        for (var i = 1; i <= 5; i++) recent.Remember($"r{i}", Stored(i));
        Assert.Equal(3, recent.Count);
        Assert.False(recent.TryGet("r1", out _));
        Assert.False(recent.TryGet("r2", out _));
        Assert.True(recent.TryGet("r5", out var five));
        Assert.Equal(Reply(5), five.Reply.Message);
    }

    [Fact]
    public void Remembering_an_id_twice_should_keep_the_first_reply()
    {
        var recent = new RecentRequests(3);
        recent.Remember("r1", Stored(1));
        recent.Remember("r1", Stored(99));
        Assert.True(recent.TryGet("r1", out var reply));
        Assert.Equal(Reply(1), reply.Reply.Message);
        Assert.Equal(1, recent.Count);
    }

    [Fact]
    public void Restore_should_rebuild_the_same_window_in_the_same_order()
    {
        var recent = new RecentRequests(3);
        for (var i = 1; i <= 4; i++) recent.Remember($"r{i}", Stored(i));
        var copy = new RecentRequests(3);
        copy.Restore(recent.ToList());
        Assert.Equal(recent.ToList(), copy.ToList());
        copy.Remember("r5", Stored(5));
        Assert.False(copy.TryGet("r2", out _));
        Assert.True(copy.TryGet("r3", out _));
    }
}
