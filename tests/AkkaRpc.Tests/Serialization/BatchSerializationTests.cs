using System.Runtime.Serialization;
using Akka.Serialization;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Serialization;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Serialization;

public class BatchSerializationTests : Akka.TestKit.Xunit2.TestKit
{
    public BatchSerializationTests() : base(TestConfig.ActorTests) { }

    private SerializerWithStringManifest Serializer => (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(RpcCallBatch));

    private static RpcCall Call(long id, string key) =>
        new(id, $"req-{id}", "accounts", key, null, 1_700_000_000_000 + id, 1, new Deposit(key, id), 1_699_999_999_000, 2000);

    [Fact]
    public void A_call_batch_should_be_the_single_call_envelopes_back_to_back_and_read_back_in_order()
    {
        var calls = new[] { Call(1, "a-1"), Call(2, "a-2"), Call(3, "a-1") };
        var buffer = new BatchBuffer();
        foreach (var call in calls) Assert.True(buffer.TryAdd(call, out _));
        Assert.Equal(3, buffer.Count);
        var batch = new RpcCallBatch(buffer.Take());
        Assert.Equal(0, buffer.Count);

        var manifest = Serializer.Manifest(batch);
        Assert.Equal("rpc.call-batch", manifest);
        var bytes = Serializer.ToBinary(batch);
        // No per-call envelope of its own: exactly the bytes each call has when it travels alone.
        Assert.Equal(calls.SelectMany(c => Serializer.ToBinary(c)).ToArray(), bytes);

        var back = Assert.IsType<RpcCallBatch>(Serializer.FromBinary(bytes, manifest));
        var read = new List<RpcCall>();
        BatchBuffer.ReadCalls(back.Body, read);
        Assert.Equal(
            calls.Select(c => (c.CallId, c.RequestId, c.Service, c.EntityKey, c.DeadlineUnixMs, c.Attempt, (IRpcMessage)c.Request, c.SentUnixMs, c.AttemptTimeoutMs)),
            read.Select(c => (c.CallId, c.RequestId, c.Service, c.EntityKey, c.DeadlineUnixMs, c.Attempt, (IRpcMessage)c.Request, c.SentUnixMs, c.AttemptTimeoutMs)));
    }

    [Fact]
    public void A_reply_batch_should_round_trip_answers_and_errors()
    {
        var replies = new[]
        {
            RpcReply.Ok(1, new AccountBalance("a-1", 5, 1), "akka.tcp://akkarpc@127.0.0.1:1", deduplicated: true),
            RpcReply.Fail(2, RpcError.FailedPrecondition("insufficient funds"), "akka.tcp://akkarpc@127.0.0.1:2", retryAfterMs: 0),
            RpcReply.Fail(3, RpcError.Unavailable("restarting"), "n", retryAfterMs: 250),
        };
        var buffer = new BatchBuffer();
        foreach (var reply in replies) Assert.True(buffer.TryAdd(reply, out _));
        var batch = new RpcReplyBatch(buffer.Take());
        var manifest = Serializer.Manifest(batch);
        Assert.Equal("rpc.reply-batch", manifest);
        var bytes = Serializer.ToBinary(batch);
        Assert.Equal(replies.SelectMany(r => Serializer.ToBinary(r)).ToArray(), bytes);

        var read = new List<RpcReply>();
        BatchBuffer.ReadReplies(Assert.IsType<RpcReplyBatch>(Serializer.FromBinary(bytes, manifest)).Body, read);
        Assert.Equal(
            replies.Select(r => (r.CallId, r.Code, r.Message, r.Response, r.ServedBy, r.Deduplicated, r.RetryAfterMs)),
            read.Select(r => (r.CallId, r.Code, r.Message, r.Response, r.ServedBy, r.Deduplicated, r.RetryAfterMs)));
    }

    [Fact]
    public void A_truncated_batch_should_yield_the_whole_calls_before_the_damage_and_a_clear_error()
    {
        var buffer = new BatchBuffer();
        Assert.True(buffer.TryAdd(Call(1, "a-1"), out _));
        Assert.True(buffer.TryAdd(Call(2, "a-2"), out _));
        var body = buffer.Take();
        var read = new List<RpcCall>();
        var error = Assert.Throws<SerializationException>(() => BatchBuffer.ReadCalls(body[..^3], read));
        Assert.Contains("malformed call", error.Message);
        Assert.Equal([1L], read.Select(c => c.CallId));
    }

    [Fact]
    public void A_call_that_cannot_be_encoded_should_leave_the_batch_as_it_was()
    {
        var buffer = new BatchBuffer();
        Assert.True(buffer.TryAdd(Call(1, "a-1"), out _));
        var size = buffer.Bytes;
        var unnamed = new RpcCall(2, "req-2", "accounts", "a-2", null, 0, 1, new NoWireName("a-2"));
        Assert.False(buffer.TryAdd(unnamed, out var error));
        Assert.NotNull(error);
        Assert.Equal((1, size), (buffer.Count, buffer.Bytes));
        var read = new List<RpcCall>();
        BatchBuffer.ReadCalls(buffer.Take(), read);
        Assert.Equal([1L], read.Select(c => c.CallId));
    }

    private sealed record NoWireName(string EntityKey) : IRpcRequest<AccountBalance>, IEntityRequest;
}
