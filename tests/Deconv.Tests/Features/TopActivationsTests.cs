namespace CnnEngine.Deconv.Tests.Features;

public class TopActivationsTests
{
    private static readonly Dictionary<string, int> Layout = new() { ["block1_conv1"] = 5, ["block3_pool"] = 3 };

    private static List<(string Layer, int Channel, TopEntry Entry)> Candidates(int seed)
    {
        var rng = new Random(seed);
        var all = new List<(string, int, TopEntry)>();
        for (int img = 0; img < 60; img++)
            foreach (var (layer, channels) in Layout)
                for (int c = 0; c < channels; c++)
                    // coarse values: many exact ties, so the path/position tie-breaks decide
                    all.Add((layer, c, new TopEntry(rng.Next(0, 6) * 0.5f, $"dir{img % 3}/img{img:D3}.jpg", rng.Next(0, 7), rng.Next(0, 7))));
        return all;
    }

    [Theory]
    [InlineData(1, 2)] [InlineData(2, 3)] [InlineData(3, 7)]
    public void MergingAnySplitGivesExactlyTheSingleRun(int seed, int parts)
    {
        var candidates = Candidates(seed);
        var single = new TopActivations(9, Layout);
        foreach (var (l, c, e) in candidates) single.Offer(l, c, e);

        var rng = new Random(seed + 100);
        var shards = Enumerable.Range(0, parts).Select(_ => new TopActivations(9, Layout)).ToArray();
        foreach (var (l, c, e) in candidates.OrderBy(_ => rng.Next())) shards[rng.Next(parts)].Offer(l, c, e);
        var merged = TopActivations.Merge(shards);
        Assert.True(merged.SameAs(single));

        // and the order is the documented one: value desc, then path, then y, x
        foreach (var (l, channels) in Layout)
            for (int c = 0; c < channels; c++)
            {
                var expected = candidates.Where(t => t.Layer == l && t.Channel == c).Select(t => t.Entry)
                    .OrderByDescending(e => e.Value).ThenBy(e => e.Image, StringComparer.Ordinal).ThenBy(e => e.Y).ThenBy(e => e.X).Take(9);
                Assert.Equal(expected, merged.Entries[l][c]);
            }
    }

    [Fact]
    public void JsonRoundTripKeepsEveryFloatBitExact()
    {
        // Real channel counts: reading back checks them against the layers.
        var top = new TopActivations(3, new Dictionary<string, int> { ["block1_conv1"] = 64, ["block3_pool"] = 256 });
        top.Offer("block1_conv1", 0, new TopEntry(0.1f + 1e-8f, "a.jpg", 1, 2));
        top.Offer("block1_conv1", 0, new TopEntry(float.Epsilon, "b.jpg", 0, 0));
        top.Offer("block1_conv1", 0, new TopEntry(3.4028235e38f, "c/ü.png", 5, 6));
        top.Offer("block3_pool", 255, new TopEntry(-1f, "d.png", 0, 3));
        var back = TopActivations.FromJson(top.ToJson(), top.Layers, 3);
        Assert.True(back.SameAs(top));
    }

    [Fact]
    public void AnImageGivesItsStrongestPositionPerChannelFirstOnTies()
    {
        var top = new TopActivations(2, new Dictionary<string, int> { ["block1_conv1"] = 2 });
        // (H=2, W=2, C=2): channel 0 max 5 at (0,1) and (1,1) → (0,1); channel 1 max 7 at (1,0)
        top.AddImage("x.png", "block1_conv1", new float[] { 1, 0, 5, 2, 3, 7, 5, 1 }, 2, 2, 2);
        Assert.Equal(new TopEntry(5, "x.png", 0, 1), Assert.Single(top.Entries["block1_conv1"][0]));
        Assert.Equal(new TopEntry(7, "x.png", 1, 0), Assert.Single(top.Entries["block1_conv1"][1]));
    }

    [Theory]
    [InlineData("1/1")] [InlineData("-1/2")] [InlineData("2")] [InlineData("a/b")] [InlineData("0/0")] [InlineData("3/3")]
    public void InvalidShardSpecsAreRejected(string text) =>
        Assert.Contains("invalid --shard", Assert.Throws<DeconvException>(() => ShardSpec.Parse(text)).Message);

    [Fact]
    public void ValidShardSpecsParse() => Assert.Equal(new ShardSpec(2, 4), ShardSpec.Parse("2/4"));
}
