using System.Reflection;
using Akka.Serialization;
using AkkaRpc.Protocol;
using AkkaRpc.Sample.Accounts;
using AkkaRpc.Sample.Quotes;
using AkkaRpc.Serialization;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Serialization;

public class SerializerRoundTripTests : Akka.TestKit.Xunit2.TestKit
{
    public SerializerRoundTripTests() : base(TestConfig.ActorTests) { }

    /// <summary>One sample value of every wire type of the sample domain.</summary>
    public static TheoryData<IRpcMessage> DomainMessages => new()
    {
        new OpenAccount("a-1", "Ann"),
        new Deposit("a-1", 100),
        new Withdraw("a-1", 40),
        new GetBalance("a-1"),
        new AccountBalance("a-1", 60, 2),
        new AccountOpened("Ann"),
        new MoneyDeposited(100),
        new MoneyWithdrawn(40),
        new AccountState("a-1", "Ann", 60, 2),
        new AccountState("a-2", null, 0, 0),
        new GetQuote("ACME", 10),
        new Quote("ACME", 10, 123, 1230),
    };

    [Theory]
    [MemberData(nameof(DomainMessages))]
    public void Every_domain_type_should_round_trip_under_its_wire_name(IRpcMessage message)
    {
        var serializer = Assert.IsType<RpcSerializer>(Sys.Serialization.FindSerializerFor(message));
        var manifest = serializer.Manifest(message);
        Assert.Equal(WireTypes.NameOf(message.GetType()), manifest);
        Assert.DoesNotContain(".Sample.", manifest); // a wire name, not a CLR name
        var back = serializer.FromBinary(serializer.ToBinary(message), manifest);
        Assert.Equal(message, back);
    }

    [Fact]
    public void Every_wire_type_in_the_sample_assemblies_should_be_covered_above()
    {
        var covered = ((IEnumerable<object[]>)DomainMessages).Select(row => row[0].GetType()).ToHashSet();
        var all = new[] { typeof(AccountEntity).Assembly, typeof(OpenAccount).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && typeof(IRpcMessage).IsAssignableFrom(t));
        Assert.All(all, t => Assert.Contains(t, covered));
    }

    [Fact]
    public void Envelopes_should_round_trip_with_nested_payloads()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(RpcCall));
        var call = new RpcCall(7, "req-1", "accounts", "a-1", null, 1_700_000_000_000, 3, new Deposit("a-1", 5));
        var callBack = Assert.IsType<RpcCall>(serializer.FromBinary(serializer.ToBinary(call), serializer.Manifest(call)));
        Assert.Equal((7L, "req-1", "accounts", "a-1", (string?)null, 1_700_000_000_000L, 3), (callBack.CallId, callBack.RequestId, callBack.Service, callBack.EntityKey, callBack.HashKey, callBack.DeadlineUnixMs, callBack.Attempt));
        Assert.Equal(new Deposit("a-1", 5), callBack.Request);

        var ok = RpcReply.Ok(7, new AccountBalance("a-1", 5, 1), "akka.tcp://akkarpc@127.0.0.1:1", deduplicated: true);
        var okBack = Assert.IsType<RpcReply>(serializer.FromBinary(serializer.ToBinary(ok), serializer.Manifest(ok)));
        Assert.Equal((RpcStatusCode.Ok, new AccountBalance("a-1", 5, 1) as IRpcMessage, "akka.tcp://akkarpc@127.0.0.1:1", true), (okBack.Code, okBack.Response, okBack.ServedBy, okBack.Deduplicated));

        var fail = RpcReply.Fail(8, RpcError.FailedPrecondition("insufficient funds"), "n");
        var failBack = Assert.IsType<RpcReply>(serializer.FromBinary(serializer.ToBinary(fail), serializer.Manifest(fail)));
        Assert.Equal((8L, RpcStatusCode.FailedPrecondition, "insufficient funds", (IRpcMessage?)null), (failBack.CallId, failBack.Code, failBack.Message, failBack.Response));

        var applied = new AppliedCommand("req-1", [new MoneyDeposited(5), new MoneyWithdrawn(2)], new StoredReply(new AccountBalance("a-1", 3, 2)));
        var appliedBack = Assert.IsType<AppliedCommand>(serializer.FromBinary(serializer.ToBinary(applied), serializer.Manifest(applied)));
        Assert.Equal(applied.Events, appliedBack.Events);
        Assert.Equal(applied.Reply.Message, appliedBack.Reply.Message);
        Assert.Equal("req-1", appliedBack.RequestId);

        var snapshot = new EntitySnapshot(new AccountState("a-1", "Ann", 3, 2), [new RememberedRequest("r1", new StoredReply(new AccountBalance("a-1", 5, 1)))]);
        var snapshotBack = Assert.IsType<EntitySnapshot>(serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot)));
        Assert.Equal(snapshot.State, snapshotBack.State);
        Assert.Equal(["r1"], snapshotBack.Recent.Select(r => r.RequestId));
        Assert.Equal(new AccountBalance("a-1", 5, 1), snapshotBack.Recent[0].Reply.Message);
    }

    [Fact]
    public void Fingerprints_should_round_trip_in_journal_rows_and_snapshots()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AppliedCommand));
        byte[] fingerprint = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        var applied = new AppliedCommand("req-1", [new MoneyDeposited(5)], new StoredReply(new AccountBalance("a-1", 5, 1)), fingerprint);
        var appliedBack = Assert.IsType<AppliedCommand>(serializer.FromBinary(serializer.ToBinary(applied), serializer.Manifest(applied)));
        Assert.Equal(fingerprint, appliedBack.Fingerprint);

        var snapshot = new EntitySnapshot(new AccountState("a-1", "Ann", 5, 1),
            [new RememberedRequest("r1", new StoredReply(new AccountBalance("a-1", 5, 1)), fingerprint), new RememberedRequest("r0", new StoredReply(new AccountBalance("a-1", 0, 0)))]);
        var snapshotBack = Assert.IsType<EntitySnapshot>(serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot)));
        Assert.Equal(fingerprint, snapshotBack.Recent[0].Fingerprint);
        Assert.Null(snapshotBack.Recent[1].Fingerprint);
        Assert.Equal(["r1", "r0"], snapshotBack.Recent.Select(r => r.RequestId));
    }

    [Fact]
    public void Rows_and_snapshots_written_before_fingerprints_existed_should_still_read()
    {
        // The exact shapes the serializer wrote before the fingerprint field was appended.
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AppliedCommand));
        var oldRow = WriteOld((ref MessagePack.MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write("req-old");
            w.WriteArrayHeader(1);
            Payload(ref w, "accounts.Deposited", new MoneyDeposited(7));
            Payload(ref w, "accounts.AccountBalance", new AccountBalance("a-1", 7, 1));
        });
        var row = Assert.IsType<AppliedCommand>(serializer.FromBinary(oldRow, RpcSerializer.AppliedManifest));
        Assert.Equal(("req-old", (byte[]?)null), (row.RequestId, row.Fingerprint));
        Assert.Equal(new AccountBalance("a-1", 7, 1), row.Reply.Message);

        var oldSnapshot = WriteOld((ref MessagePack.MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            Payload(ref w, "accounts.State", new AccountState("a-1", "Ann", 7, 1));
            w.WriteArrayHeader(1);
            w.WriteArrayHeader(2);
            w.Write("req-old");
            Payload(ref w, "accounts.AccountBalance", new AccountBalance("a-1", 7, 1));
        });
        var snapshot = Assert.IsType<EntitySnapshot>(serializer.FromBinary(oldSnapshot, RpcSerializer.SnapshotManifest));
        var remembered = snapshot.Recent.Single();
        Assert.Equal(("req-old", (byte[]?)null), (remembered.RequestId, remembered.Fingerprint));
        Assert.Equal(new AccountBalance("a-1", 7, 1), remembered.Reply.Message);
    }

    [Fact]
    public void Remembered_replies_read_back_should_stay_encoded_until_asked_for_and_be_written_back_unchanged()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(EntitySnapshot));
        var snapshot = new EntitySnapshot(new AccountState("a-1", "Ann", 5, 2),
            [new RememberedRequest("r1", new StoredReply(new AccountBalance("a-1", 2, 1))), new RememberedRequest("r2", new StoredReply(new AccountBalance("a-1", 5, 2)))]);
        var bytes = serializer.ToBinary(snapshot);

        var back = Assert.IsType<EntitySnapshot>(serializer.FromBinary(bytes, RpcSerializer.SnapshotManifest));
        Assert.All(back.Recent, r => Assert.False(r.Reply.Encoded.IsEmpty));
        // A later snapshot of a recovered entity copies the stored replies as they are.
        Assert.Equal(bytes, serializer.ToBinary(new EntitySnapshot(back.State, back.Recent)));
        Assert.Equal(new AccountBalance("a-1", 5, 2), back.Recent[1].Reply.Message);

        var row = serializer.ToBinary(new AppliedCommand("r3", [new MoneyDeposited(1)], new StoredReply(new AccountBalance("a-1", 6, 3))));
        var applied = Assert.IsType<AppliedCommand>(serializer.FromBinary(row, RpcSerializer.AppliedManifest));
        Assert.False(applied.Reply.Encoded.IsEmpty);
        Assert.Equal(row, serializer.ToBinary(applied));
        Assert.Equal(new AccountBalance("a-1", 6, 3), applied.Reply.Message);
    }

    [Fact]
    public void An_unreadable_remembered_reply_should_fail_only_when_it_is_asked_for()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AppliedCommand));
        var row = WriteOld((ref MessagePack.MessagePackWriter w) =>
        {
            w.WriteArrayHeader(4);
            w.Write("req-x");
            w.WriteArrayHeader(1);
            Payload(ref w, "accounts.Deposited", new MoneyDeposited(7));
            Payload(ref w, "accounts.NoSuchReply", 42);
            w.WriteNil();
        });
        var applied = Assert.IsType<AppliedCommand>(serializer.FromBinary(row, RpcSerializer.AppliedManifest));
        Assert.Equal([new MoneyDeposited(7)], applied.Events);
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => applied.Reply.Message);
        Assert.Contains("accounts.NoSuchReply", error.Message);

        // A missing reply is still a malformed row at once.
        var noReply = WriteOld((ref MessagePack.MessagePackWriter w) =>
        {
            w.WriteArrayHeader(3);
            w.Write("req-y");
            w.WriteArrayHeader(0);
            w.WriteNil();
        });
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(noReply, RpcSerializer.AppliedManifest));
    }

    [Fact]
    public async Task Verify_should_still_decode_every_remembered_reply()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AppliedCommand));
        var bad = WriteOld((ref MessagePack.MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            Payload(ref w, "accounts.State", new AccountState("a-1", "Ann", 7, 1));
            w.WriteArrayHeader(1);
            w.WriteArrayHeader(2);
            w.Write("req-x");
            Payload(ref w, "accounts.NoSuchReply", 42);
        });
        var good = serializer.ToBinary(new AppliedCommand("r", [new MoneyDeposited(5)], new StoredReply(new AccountBalance("a", 5, 1))));
        await using var reader = new AkkaRpc.Backup.PayloadReader();
        Assert.IsType<AppliedCommand>(reader.Read(good, RpcSerializer.SerializerId, RpcSerializer.AppliedManifest));
        Assert.ThrowsAny<Exception>(() => reader.Read(bad, RpcSerializer.SerializerId, RpcSerializer.SnapshotManifest));
    }

    private delegate void OldWriter(ref MessagePack.MessagePackWriter writer);

    private static byte[] WriteOld(OldWriter write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePack.MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Payload<T>(ref MessagePack.MessagePackWriter w, string wireName, T value)
    {
        w.WriteArrayHeader(2);
        w.Write(wireName);
        MessagePack.MessagePackSerializer.Serialize(ref w, value, RpcSerializer.Options);
    }

    [Fact]
    public void Journal_rows_should_name_wire_types_not_clr_types()
    {
        // What makes a rename safe: the bytes of a journal row contain wire names only.
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AppliedCommand));
        var row = serializer.ToBinary(new AppliedCommand("r", [new MoneyDeposited(5)], new StoredReply(new AccountBalance("a", 5, 1))));
        var text = System.Text.Encoding.UTF8.GetString(row);
        Assert.Contains("accounts.Deposited", text);
        Assert.Contains("accounts.AccountBalance", text);
        Assert.DoesNotContain(nameof(MoneyDeposited), text);
        Assert.DoesNotContain("AkkaRpc.Sample", text);
    }

    [Fact]
    public void Unknown_wire_names_and_garbage_should_fail_with_a_serialization_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(RpcCall));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0x90], "no.such.Type"));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary([0xc1, 0xff, 0x00], RpcSerializer.CallManifest));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary([], "accounts.Deposit"));
    }

    [Fact]
    public void A_type_without_a_wire_name_should_be_refused_with_a_clear_message()
    {
        var e = Assert.Throws<ArgumentException>(() => WireTypes.NameOf(typeof(Unnamed)));
        Assert.Contains("WireType", e.Message);
    }

    private sealed record Unnamed : IRpcMessage;
}
