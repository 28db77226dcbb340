using AkkaRpc.Chaos;

namespace AkkaRpc.Tests.Chaos;

public class SetCheckerTests
{
    // Acknowledged 1, 2, 4; ambiguous 3 and 5; failed 6 (never applied).
    private static AccountHistory History()
    {
        var history = new AccountHistory("a");
        for (var i = 0; i < 6; i++) history.NextAmount();
        history.Acknowledged(1);
        history.Acknowledged(2);
        history.Ambiguous(3);
        history.Acknowledged(4);
        history.Ambiguous(5);
        history.Failed();
        return history;
    }

    [Fact]
    public void Exactly_the_acknowledged_deposits_should_be_clean() =>
        Assert.Equal(new SetChecker.Verdict(0, 0, false), SetChecker.Check(History(), 3, 7));

    [Theory]
    [InlineData(4, 10)] // ack + ambiguous 3
    [InlineData(4, 12)] // ack + ambiguous 5
    [InlineData(5, 15)] // ack + both ambiguous
    public void Acknowledged_plus_some_ambiguous_deposits_should_be_clean(long transactions, long balance) =>
        Assert.Equal(new SetChecker.Verdict(0, 0, false), SetChecker.Check(History(), transactions, balance));

    [Fact]
    public void A_missing_acknowledged_deposit_should_count_as_lost() =>
        Assert.Equal(1, SetChecker.Check(History(), 2, 3).Lost);

    [Fact]
    public void More_applications_than_acknowledged_and_ambiguous_deposits_should_count_as_duplicated() =>
        Assert.Equal(1, SetChecker.Check(History(), 6, 16).Duplicated);

    [Theory]
    [InlineData(3, 8)]  // right count, a balance no set of these deposits gives
    [InlineData(4, 9)]  // one ambiguous applied, but neither 3 nor 5 was added
    [InlineData(4, 13)] // 13 - 7 = 6 beyond the acknowledged: more than the largest ambiguous amount
    public void A_value_no_history_could_produce_should_be_unexpected(long transactions, long balance) =>
        Assert.True(SetChecker.Check(History(), transactions, balance).Unexpected);
}
