using MessagePack;

namespace AkkaRpc.Sample.Quotes;

// The quotes service: stateless CPU work behind the consistent-hash router. The symbol is the hash key, so one
// symbol keeps landing on the same node (where its warm cache lives).

/// <summary>Prices <paramref name="Quantity"/> units of <paramref name="Symbol"/>.</summary>
/// <param name="Symbol">1 to 12 characters, letters and digits.</param>
/// <param name="Quantity">1 to 1,000,000.</param>
[RpcMethod("quotes", "GetQuote"), MessagePackObject]
public sealed record GetQuote([property: Key(0)] string Symbol, [property: Key(1)] int Quantity)
    : IRpcRequest<Quote>, IStatelessRequest
{
    /// <inheritdoc />
    [IgnoreMember] public string? HashKey => Symbol;
}

/// <summary>A price quote.</summary>
/// <param name="Symbol">The symbol priced.</param>
/// <param name="Quantity">The quantity priced.</param>
/// <param name="UnitPriceCents">Unit price in cents; a pure function of the symbol.</param>
/// <param name="TotalCents">Total in cents, with a volume discount.</param>
[WireType("quotes.Quote"), MessagePackObject]
public sealed record Quote(
    [property: Key(0)] string Symbol,
    [property: Key(1)] int Quantity,
    [property: Key(2)] long UnitPriceCents,
    [property: Key(3)] long TotalCents) : IRpcMessage;
