using MessagePack;

namespace AkkaRpc.Sample.Accounts;

/// <summary>The immutable state of one account, and the pure rules that decide and apply its changes.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Owner">Null until the account is opened.</param>
/// <param name="Balance">Minor units; never negative.</param>
/// <param name="Transactions">Applied deposits and withdrawals.</param>
[WireType("accounts.State"), MessagePackObject]
public sealed record AccountState(
    [property: Key(0)] string AccountId,
    [property: Key(1)] string? Owner,
    [property: Key(2)] long Balance,
    [property: Key(3)] long Transactions) : IRpcMessage
{
    /// <summary>Longest owner name accepted.</summary>
    public const int MaxOwnerLength = 100;

    /// <summary>Largest single amount: keeps every balance far from overflow.</summary>
    public const long MaxAmount = 1_000_000_000_000;

    /// <summary>True once opened.</summary>
    [IgnoreMember] public bool IsOpen => Owner is not null;

    /// <summary>The state of an account that was never opened.</summary>
    public static AccountState Empty(string accountId) => new(accountId, null, 0, 0);

    /// <summary>The reply every method gives.</summary>
    public AccountBalance ToBalance() => new(AccountId, Balance, Transactions);

    /// <summary>Why <see cref="OpenAccount"/> cannot apply, or null.</summary>
    public RpcError? CheckOpen(OpenAccount command)
    {
        if (string.IsNullOrWhiteSpace(command.Owner)) return RpcError.InvalidArgument("owner is required");
        if (command.Owner.Length > MaxOwnerLength) return RpcError.InvalidArgument($"owner is longer than {MaxOwnerLength} characters");
        if (IsOpen) return RpcError.AlreadyExists($"account {AccountId} is already open");
        return null;
    }

    /// <summary>Why <see cref="Deposit"/> cannot apply, or null.</summary>
    public RpcError? CheckDeposit(long amount)
    {
        if (CheckAmount(amount) is { } invalid) return invalid;
        if (!IsOpen) return RpcError.NotFound($"account {AccountId} does not exist");
        if (Balance > long.MaxValue - amount) return new RpcError(RpcStatusCode.OutOfRange, "the balance would overflow");
        return null;
    }

    /// <summary>Why <see cref="Withdraw"/> cannot apply (an overdraft included), or null.</summary>
    public RpcError? CheckWithdraw(long amount)
    {
        if (CheckAmount(amount) is { } invalid) return invalid;
        if (!IsOpen) return RpcError.NotFound($"account {AccountId} does not exist");
        if (amount > Balance) return RpcError.FailedPrecondition($"insufficient funds: balance {Balance}, withdrawal {amount}");
        return null;
    }

    /// <summary>Applies one event. Total: an unknown event is a bug in the journal, so it throws.</summary>
    public AccountState Apply(IRpcMessage @event) => @event switch
    {
        AccountOpened opened => this with { Owner = opened.Owner },
        MoneyDeposited deposited => this with { Balance = Balance + deposited.Amount, Transactions = Transactions + 1 },
        MoneyWithdrawn withdrawn => this with { Balance = Balance - withdrawn.Amount, Transactions = Transactions + 1 },
        _ => throw new InvalidOperationException($"accounts cannot apply {@event.GetType().Name}"),
    };

    private static RpcError? CheckAmount(long amount) => amount switch
    {
        <= 0 => RpcError.InvalidArgument($"amount must be positive, got {amount}"),
        > MaxAmount => RpcError.InvalidArgument($"amount must be at most {MaxAmount}, got {amount}"),
        _ => null,
    };
}
