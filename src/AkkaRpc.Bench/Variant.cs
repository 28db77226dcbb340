using AkkaRpc.Persistence;

namespace AkkaRpc.Bench;

/// <summary>
/// One measured configuration: <c>raw-akka</c> (plain shard-region Ask, the baseline) or
/// <c>akkarpc-{inmem|sqlite|postgres}</c>, each optionally <c>-in-node</c> (the calling process hosts shards too
/// instead of joining as a separate, non-hosting member).
/// </summary>
internal sealed record Variant(string Name, bool Raw, JournalProvider Journal, bool CallerInNode)
{
    private const string InNodeSuffix = "-in-node";

    public static Variant Parse(string name)
    {
        var inNode = name.EndsWith(InNodeSuffix, StringComparison.Ordinal);
        var core = inNode ? name[..^InNodeSuffix.Length] : name;
        return core switch
        {
            "raw-akka" => new Variant(name, true, JournalProvider.InMemory, inNode),
            "akkarpc-inmem" => new Variant(name, false, JournalProvider.InMemory, inNode),
            "akkarpc-sqlite" => new Variant(name, false, JournalProvider.Sqlite, inNode),
            "akkarpc-postgres" => new Variant(name, false, JournalProvider.PostgreSql, inNode),
            _ => throw new ArgumentException(
                $"unknown variant '{name}': raw-akka or akkarpc-inmem|sqlite|postgres, each optionally with {InNodeSuffix}"),
        };
    }

    public string JournalName => Journal switch
    {
        JournalProvider.InMemory => "inmem",
        JournalProvider.Sqlite => "sqlite",
        _ => "postgres",
    };
}
