using System.Text;

namespace AkkaRpc.Entities;

/// <summary>
/// Maps an entity key to one of a FIXED number of shards with a stable hash (FNV-1a over the key's UTF-8 bytes).
/// Stable means the same on every node, process and .NET version (string.GetHashCode is randomized per process).
/// Nodes never enter this function: shards are placed on nodes by the sharding coordinator, and when a node joins
/// whole shards move, never keys, so a membership change never reshuffles keys the way <c>hash mod nodes</c> would.
/// </summary>
public static class ShardKeys
{
    /// <summary>Most characters an entity key may have.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The shard of <paramref name="entityKey"/> among <paramref name="shardCount"/> shards.</summary>
    public static int ShardOf(string entityKey, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        const uint offset = 2166136261, prime = 16777619;
        var hash = offset;
        Span<byte> buffer = stackalloc byte[MaxKeyLength * 3];
        var length = entityKey.Length <= MaxKeyLength
            ? Encoding.UTF8.GetBytes(entityKey, buffer)
            : -1;
        ReadOnlySpan<byte> bytes = length >= 0 ? buffer[..length] : Encoding.UTF8.GetBytes(entityKey);
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= prime;
        }
        return (int)(hash % (uint)shardCount);
    }

    /// <summary>Null when <paramref name="key"/> is a valid entity key, else what is wrong with it.</summary>
    public static string? Validate(string? key)
    {
        if (string.IsNullOrEmpty(key)) return "the entity key is missing or empty";
        if (key.Length > MaxKeyLength) return $"the entity key is longer than {MaxKeyLength} characters";
        foreach (var c in key)
            if (char.IsControl(c)) return "the entity key contains a control character";
        if (string.IsNullOrWhiteSpace(key)) return "the entity key is blank";
        return null;
    }
}
