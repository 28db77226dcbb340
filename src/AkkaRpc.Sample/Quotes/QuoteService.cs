using System.Security.Cryptography;
using System.Text;
using AkkaRpc.Stateless;

namespace AkkaRpc.Sample.Quotes;

/// <summary>The quotes service: stateless, CPU-bound pricing.</summary>
public sealed class QuoteService : RpcService
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "quotes";

    /// <summary>Largest quantity priced in one call.</summary>
    public const int MaxQuantity = 1_000_000;

    /// <summary>Registers the handler.</summary>
    public QuoteService() : base(ServiceName) => On<GetQuote, Quote>(Price);

    /// <summary>Prices a request; pure, so any node gives the same answer.</summary>
    public static RpcOutcome<Quote> Price(GetQuote request)
    {
        if (string.IsNullOrEmpty(request.Symbol) || request.Symbol.Length > 12 || !request.Symbol.All(char.IsAsciiLetterOrDigit))
            return RpcError.InvalidArgument("symbol must be 1 to 12 ASCII letters or digits");
        if (request.Quantity is < 1 or > MaxQuantity)
            return RpcError.InvalidArgument($"quantity must be 1 to {MaxQuantity}, got {request.Quantity}");

        var unit = UnitPrice(request.Symbol.ToUpperInvariant());
        // Volume discount: 1% per order of magnitude above 100 units.
        var discountPercent = request.Quantity >= 100 ? (int)Math.Floor(Math.Log10(request.Quantity)) - 1 : 0;
        var total = unit * request.Quantity * (100 - discountPercent) / 100;
        return new Quote(request.Symbol, request.Quantity, unit, total);
    }

    // Stands in for real pricing work: a few rounds of hashing, deterministic in the symbol.
    private static long UnitPrice(string symbol)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(symbol), hash);
        for (var i = 0; i < 64; i++) SHA256.HashData(hash, hash);
        return 100 + BitConverter.ToUInt32(hash) % 99_900;
    }
}
