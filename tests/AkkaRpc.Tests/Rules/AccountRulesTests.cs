using AkkaRpc.Sample.Accounts;

namespace AkkaRpc.Tests.Rules;

/// <summary>The accounts rules as pure functions: no actor system.</summary>
public class AccountRulesTests
{
    private static AccountState Open(long balance = 0) => AccountState.Empty("a1").Apply(new AccountOpened("Ann")) with { Balance = balance };

    [Fact]
    public void Open_should_be_allowed_once_and_need_an_owner()
    {
        var empty = AccountState.Empty("a1");
        Assert.Null(empty.CheckOpen(new OpenAccount("a1", "Ann")));
        Assert.Equal(RpcStatusCode.InvalidArgument, empty.CheckOpen(new OpenAccount("a1", " "))!.Code);
        Assert.Equal(RpcStatusCode.InvalidArgument, empty.CheckOpen(new OpenAccount("a1", new string('x', 101)))!.Code);
        Assert.Equal(RpcStatusCode.AlreadyExists, Open().CheckOpen(new OpenAccount("a1", "Ann"))!.Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    [InlineData(AccountState.MaxAmount + 1)]
    public void Deposit_should_reject_amounts_out_of_range(long amount)
    {
        Assert.Equal(RpcStatusCode.InvalidArgument, Open().CheckDeposit(amount)!.Code);
        Assert.Equal(RpcStatusCode.InvalidArgument, Open(100).CheckWithdraw(amount)!.Code);
    }

    [Fact]
    public void Deposit_and_withdraw_should_need_an_open_account()
    {
        Assert.Equal(RpcStatusCode.NotFound, AccountState.Empty("a1").CheckDeposit(5)!.Code);
        Assert.Equal(RpcStatusCode.NotFound, AccountState.Empty("a1").CheckWithdraw(5)!.Code);
    }

    [Fact]
    public void Account_should_reject_overdraft()
    {
        var error = Open(balance: 50).CheckWithdraw(51);
        Assert.Equal(RpcStatusCode.FailedPrecondition, error!.Code);
        Assert.Contains("insufficient funds", error.Message);
        Assert.Null(Open(balance: 50).CheckWithdraw(50));
    }

    [Fact]
    public void Deposit_should_refuse_to_overflow_the_balance()
    {
        Assert.Equal(RpcStatusCode.OutOfRange, Open(long.MaxValue - 10).CheckDeposit(11)!.Code);
    }

    [Fact]
    public void Apply_should_fold_events_into_balance_and_count()
    {
        var state = AccountState.Empty("a1")
            .Apply(new AccountOpened("Ann"))
            .Apply(new MoneyDeposited(100))
            .Apply(new MoneyWithdrawn(30))
            .Apply(new MoneyDeposited(5));
        Assert.Equal(new AccountBalance("a1", 75, 3), state.ToBalance());
        Assert.Equal("Ann", state.Owner);
    }

    [Fact]
    public void Apply_should_throw_on_an_event_of_another_service()
    {
        Assert.Throws<InvalidOperationException>(() => Open().Apply(new Sample.Quotes.Quote("X", 1, 1, 1)));
    }
}
