using AkkaRpc.Entities;

namespace AkkaRpc.Sample.Accounts;

/// <summary>The accounts service: wires each request to the pure rules of <see cref="AccountState"/>.</summary>
public sealed class AccountEntity : RpcEntity<AccountState>
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "accounts";

    /// <summary>Registers the handlers.</summary>
    public AccountEntity() : base(ServiceName)
    {
        On<OpenAccount, AccountBalance>((state, command) =>
            state.CheckOpen(command) is { } error ? error : Persist(new AccountOpened(command.Owner.Trim()), s => s.ToBalance()));

        On<Deposit, AccountBalance>((state, command) =>
            state.CheckDeposit(command.Amount) is { } error ? error : Persist(new MoneyDeposited(command.Amount), s => s.ToBalance()));

        On<Withdraw, AccountBalance>((state, command) =>
            state.CheckWithdraw(command.Amount) is { } error ? error : Persist(new MoneyWithdrawn(command.Amount), s => s.ToBalance()));

        On<GetBalance, AccountBalance>((state, _) =>
            state.IsOpen ? Reply(state.ToBalance()) : RpcError.NotFound($"account {state.AccountId} does not exist"));
    }

    /// <inheritdoc />
    public override AccountState CreateInitial(string entityKey) => AccountState.Empty(entityKey);

    /// <inheritdoc />
    public override AccountState Apply(AccountState state, IRpcMessage @event) => state.Apply(@event);
}
