using AkkaRpc.Entities;

namespace AkkaRpc.Tests.Entities;

public class ShardKeysTests
{
    [Fact]
    public void Shard_of_a_key_should_never_change_across_processes_and_versions()
    {
        // Pinned values: FNV-1a of the UTF-8 bytes. If these change, every running cluster would re-home its keys.
        Assert.Equal(46, ShardKeys.ShardOf("acct-0001", 100)); // independently computed
        Assert.Equal(ShardKeys.ShardOf("acct-0001", 100), ShardKeys.ShardOf("acct-0001", 100));
        Assert.Equal(0, ShardKeys.ShardOf("anything", 1));
    }

    [Fact]
    public void Keys_should_spread_evenly_over_shards()
    {
        var counts = new int[100];
        for (var i = 0; i < 100_000; i++) counts[ShardKeys.ShardOf($"user-{i}", 100)]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Long_and_non_ascii_keys_should_hash_like_short_ones()
    {
        var longKey = new string('é', 500);
        Assert.InRange(ShardKeys.ShardOf(longKey, 100), 0, 99);
        Assert.InRange(ShardKeys.ShardOf("ключ-🔑", 100), 0, 99);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\nb")]
    public void Invalid_keys_should_be_explained(string? key)
    {
        Assert.NotNull(ShardKeys.Validate(key));
    }

    [Fact]
    public void Valid_keys_should_pass_and_overlong_ones_fail()
    {
        Assert.Null(ShardKeys.Validate("acct-1"));
        Assert.Null(ShardKeys.Validate(new string('k', ShardKeys.MaxKeyLength)));
        Assert.NotNull(ShardKeys.Validate(new string('k', ShardKeys.MaxKeyLength + 1)));
    }
}
