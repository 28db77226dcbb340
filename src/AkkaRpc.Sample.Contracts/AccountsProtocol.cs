using MessagePack;

namespace AkkaRpc.Sample.Accounts;

// The accounts service: a stateful, event-sourced service keyed by account id. Amounts are in minor units
// (cents) as whole numbers, so no rounding ever enters a balance.

/// <summary>Opens an account. Fails with AlreadyExists when it is open.</summary>
/// <param name="AccountId">The account id (the entity key).</param>
/// <param name="Owner">The owner's name; required.</param>
[RpcMethod("accounts", "Open"), MessagePackObject]
public sealed record OpenAccount([property: Key(0)] string AccountId, [property: Key(1)] string Owner)
    : IRpcRequest<AccountBalance>, IEntityRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string EntityKey => AccountId;
}

/// <summary>Adds a positive amount to an open account.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Amount">Minor units, greater than zero.</param>
[RpcMethod("accounts", "Deposit"), MessagePackObject]
public sealed record Deposit([property: Key(0)] string AccountId, [property: Key(1)] long Amount)
    : IRpcRequest<AccountBalance>, IEntityRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string EntityKey => AccountId;
}

/// <summary>Takes a positive amount from an open account; an overdraft is rejected with FailedPrecondition.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Amount">Minor units, greater than zero.</param>
[RpcMethod("accounts", "Withdraw"), MessagePackObject]
public sealed record Withdraw([property: Key(0)] string AccountId, [property: Key(1)] long Amount)
    : IRpcRequest<AccountBalance>, IEntityRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string EntityKey => AccountId;
}

/// <summary>Reads the balance of an open account (NotFound when it was never opened).</summary>
/// <param name="AccountId">The account id.</param>
[RpcMethod("accounts", "GetBalance"), MessagePackObject]
public sealed record GetBalance([property: Key(0)] string AccountId)
    : IRpcRequest<AccountBalance>, IEntityRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string EntityKey => AccountId;
}

/// <summary>The answer of every accounts method: the balance after the operation.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Balance">Balance in minor units.</param>
/// <param name="Transactions">How many deposits and withdrawals were applied so far; shows double applies.</param>
[WireType("accounts.AccountBalance"), MessagePackObject]
public sealed record AccountBalance(
    [property: Key(0)] string AccountId,
    [property: Key(1)] long Balance,
    [property: Key(2)] long Transactions) : IRpcMessage;
