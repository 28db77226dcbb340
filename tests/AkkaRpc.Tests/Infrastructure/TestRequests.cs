using AkkaRpc.Sample.Accounts;
using MessagePack;

namespace AkkaRpc.Tests.Infrastructure;

/// <summary>Requests no service handles: a method the accounts service lacks, and a service nobody registered.</summary>
public static class TestRequests
{
    [RpcMethod("accounts", "Close"), MessagePackObject]
    public sealed record CloseAccount([property: Key(0)] string AccountId) : IRpcRequest<AccountBalance>, IEntityRequest
    {
        [IgnoreMember] public string EntityKey => AccountId;
    }

    [RpcMethod("ledger", "Post"), MessagePackObject]
    public sealed record PostToLedger([property: Key(0)] string Key) : IRpcRequest<AccountBalance>, IEntityRequest
    {
        [IgnoreMember] public string EntityKey => Key;
    }
}
