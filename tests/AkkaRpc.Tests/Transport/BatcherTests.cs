using Akka.Actor;
using Akka.TestKit;
using AkkaRpc.Protocol;
using AkkaRpc.Routing;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Serialization;
using AkkaRpc.Tests.Infrastructure;
using AkkaRpc.Transport;

namespace AkkaRpc.Tests.Transport;

/// <summary>The batching actors on their own: what goes in comes out once, in order, in bounded batches, without waiting
/// for more traffic. (Messages are serialized between actors here, as over the wire.)</summary>
public class BatcherTests : Akka.TestKit.Xunit2.TestKit
{
    public BatcherTests() : base(TestConfig.ActorTests) { }

    private static RpcCall Call(long id, string service = "accounts") =>
        new(id, $"req-{id}", service, $"a-{id}", null, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds(), 1, new Deposit($"a-{id}", 1));

    private static List<RpcCall> CallsOf(RpcCallBatch batch)
    {
        var calls = new List<RpcCall>();
        BatchBuffer.ReadCalls(batch.Body, calls);
        return calls;
    }

    [Fact]
    public void A_lone_call_should_leave_in_a_batch_of_its_own_without_more_traffic()
    {
        var inbox = CreateTestProbe();
        var correlator = CreateTestProbe();
        var batcher = Sys.ActorOf(CallBatcher.Props(inbox, correlator, new TransportOptions()));
        batcher.Tell(Call(1));
        var batch = inbox.ExpectMsg<RpcCallBatch>(TimeSpan.FromSeconds(5));
        Assert.Equal([1L], CallsOf(batch).Select(c => c.CallId));
        // The correlator is the batch's sender, so the far side knows where the replies go.
        Assert.Equal(correlator.Ref, inbox.LastSender);
    }

    [Fact]
    public void Calls_should_arrive_once_and_in_order_in_batches_no_bigger_than_the_cap()
    {
        var inbox = CreateTestProbe();
        var batcher = Sys.ActorOf(CallBatcher.Props(inbox, CreateTestProbe(), new TransportOptions { MaxBatchCalls = 4 }));
        for (var i = 1; i <= 25; i++) batcher.Tell(Call(i));
        var seen = new List<long>();
        while (seen.Count < 25)
        {
            var calls = CallsOf(inbox.ExpectMsg<RpcCallBatch>(TimeSpan.FromSeconds(5)));
            Assert.InRange(calls.Count, 1, 4);
            seen.AddRange(calls.Select(c => c.CallId));
        }
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), seen);
        inbox.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Replies_should_go_back_to_the_origin_in_batches()
    {
        var origin = CreateTestProbe();
        var batcher = Sys.ActorOf(ReplyBatcher.Props(origin, new TransportOptions { MaxBatchCalls = 3 }));
        for (var i = 1; i <= 7; i++) batcher.Tell(RpcReply.Ok(i, new AccountBalance($"a-{i}", i, 1), "n"));
        var seen = new List<long>();
        while (seen.Count < 7)
        {
            var replies = new List<RpcReply>();
            BatchBuffer.ReadReplies(origin.ExpectMsg<RpcReplyBatch>(TimeSpan.FromSeconds(5)).Body, replies);
            Assert.InRange(replies.Count, 1, 3);
            seen.AddRange(replies.Select(r => r.CallId));
        }
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), seen);
    }

    [Fact]
    public void The_inbox_should_hand_calls_to_the_local_region_and_batch_the_answers_back()
    {
        var region = CreateTestProbe();
        var origin = CreateTestProbe();
        var directory = new ServiceDirectory([new ServiceEndpoint("accounts", ServiceKind.Entity, region, HostedHere: true)]);
        var inbox = Sys.ActorOf(NodeInbox.Props(directory, new TransportOptions()));

        var buffer = new BatchBuffer();
        buffer.TryAdd(Call(1), out _);
        buffer.TryAdd(Call(2, "nosuch"), out _);
        buffer.TryAdd(Call(3), out _);
        inbox.Tell(new RpcCallBatch(buffer.Take()), origin);

        // Known service: to the region, in order, with the reply batcher of this origin as sender.
        var first = region.ExpectMsg<RpcCall>();
        var replyTo = region.LastSender;
        var third = region.ExpectMsg<RpcCall>();
        Assert.Equal((1L, 3L), (first.CallId, third.CallId));
        Assert.Equal(replyTo, region.LastSender);
        replyTo.Tell(RpcReply.Ok(1, new AccountBalance("a-1", 1, 1), "n"));
        replyTo.Tell(RpcReply.Ok(3, new AccountBalance("a-3", 1, 1), "n"));

        var replies = new List<RpcReply>();
        while (replies.Count < 3) BatchBuffer.ReadReplies(origin.ExpectMsg<RpcReplyBatch>(TimeSpan.FromSeconds(5)).Body, replies);
        // Unknown service: answered at once by the inbox, nothing applied anywhere.
        var unknown = Assert.Single(replies, r => r.CallId == 2);
        Assert.Equal(RpcStatusCode.Unimplemented, unknown.Code);
        Assert.Equal([1L, 3L], replies.Where(r => r.Code == RpcStatusCode.Ok).Select(r => r.CallId).Order());
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_garbled_batch_should_not_stop_the_inbox()
    {
        var region = CreateTestProbe();
        var origin = CreateTestProbe();
        var directory = new ServiceDirectory([new ServiceEndpoint("accounts", ServiceKind.Entity, region, HostedHere: true)]);
        var inbox = Sys.ActorOf(NodeInbox.Props(directory, new TransportOptions()));
        Watch(inbox);
        inbox.Tell(new RpcCallBatch([0xc1, 0xff, 0x00]), origin);
        var buffer = new BatchBuffer();
        buffer.TryAdd(Call(9), out _);
        inbox.Tell(new RpcCallBatch(buffer.Take()), origin);
        Assert.Equal(9L, region.ExpectMsg<RpcCall>().CallId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no Terminated
    }
}
