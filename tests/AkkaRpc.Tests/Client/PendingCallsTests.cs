using AkkaRpc.Client;

namespace AkkaRpc.Tests.Client;

public class PendingCallsTests
{
    [Fact]
    public async Task Attempts_sent_before_the_cutoff_should_be_answered_unavailable_and_younger_ones_left_waiting()
    {
        var pending = new PendingCalls();
        var (_, old) = pending.Register(sentAt: 100);
        var (_, young) = pending.Register(sentAt: 300);

        Assert.Equal(1, pending.FailSentBefore(200, "member gone"));

        var reply = await old;
        Assert.Equal(RpcStatusCode.Unavailable, reply.Code);
        Assert.Contains("member gone", reply.Message);
        Assert.False(young.IsCompleted);
        Assert.Equal(1, pending.Count);
    }
}
