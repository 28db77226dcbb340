using AkkaRpc.Sample.Quotes;

namespace AkkaRpc.Tests.Rules;

public class QuotePricingTests
{
    private static Quote Ok(GetQuote request)
    {
        var outcome = QuoteService.Price(request);
        Assert.Null(outcome.Error);
        return Assert.IsType<Quote>(outcome.Value);
    }

    [Fact]
    public void Price_should_be_a_pure_function_of_symbol_and_quantity()
    {
        var a = Ok(new GetQuote("ACME", 10));
        var b = Ok(new GetQuote("ACME", 10));
        Assert.Equal(a, b);
        Assert.InRange(a.UnitPriceCents, 100, 99_999);
        Assert.Equal(a.UnitPriceCents * 10, a.TotalCents);
    }

    [Fact]
    public void Large_orders_should_get_a_volume_discount()
    {
        var q = Ok(new GetQuote("ACME", 10_000));
        Assert.Equal(q.UnitPriceCents * 10_000 * 97 / 100, q.TotalCents);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("TOO-LONG-SYMBOL", 1)]
    [InlineData("AC ME", 1)]
    [InlineData("ACME", 0)]
    [InlineData("ACME", -5)]
    [InlineData("ACME", QuoteService.MaxQuantity + 1)]
    public void Bad_requests_should_be_rejected_as_invalid(string symbol, int quantity)
    {
        var outcome = QuoteService.Price(new GetQuote(symbol, quantity));
        Assert.Equal(RpcStatusCode.InvalidArgument, outcome.Error?.Code);
    }
}
