using CnnEngine.Ops;

namespace CnnEngine.Tests.Ops.General;

/// <summary>
/// General max pools (with switches) and average pools against their oracles: pool sizes 1…4, strides 1…3, 'valid'
/// and 'same', odd sizes, channel counts across every Vector&lt;float&gt; remainder, inputs full of exact ties (the first in
/// row-major window order must win). Max: exact; average: 1e-6 relative.
/// </summary>
public class Pool2dTests
{
    [Fact]
    public void MaxPoolMatchesOracleWithTies()
    {
        int seed = 0;
        foreach (int k in new[] { 1, 2, 3, 4 })
        foreach (int s in new[] { 1, 2, 3 })
        foreach (bool same in new[] { false, true })
        foreach (int c in new[] { 1, 3, 8, 17, 33 })
        {
            int n = 2, h = 7 + seed % 4, w = 9 + seed % 5;
            var window = Window2D.For(h, w, k, k, s, s, same);
            float[] input = seed % 2 == 0 ? TestData.Ties(n * h * w * c, seed) : TestData.Uniform(n * h * w * c, seed);
            int oh = window.OutHeight(h), ow = window.OutWidth(w), per = oh * ow * c;
            var expected = new float[n * per]; var expectedSw = new int[n * per];
            for (int i = 0; i < n; i++)
                MaxPool2dScalar.Run(input.AsSpan(i * h * w * c, h * w * c), h, w, c, window, expected.AsSpan(i * per, per), expectedSw.AsSpan(i * per, per));
            var actual = new float[n * per]; var actualSw = new int[n * per];
            Array.Fill(actual, float.NaN); Array.Fill(actualSw, -7);
            Pool2d.Max(input, n, h, w, c, window, actual, actualSw);
            for (int i = 0; i < actual.Length; i++)
                if (expected[i] != actual[i] || expectedSw[i] != actualSw[i])
                    Assert.Fail($"max pool {h}x{w}x{c} {window}: element {i}: expected {expected[i]} @ {expectedSw[i]}, got {actual[i]} @ {actualSw[i]}");
            seed++;
        }
    }

    [Fact]
    public void MaxPoolOracleKeepsTheFirstOfEqualValuesAndIgnoresPadding()
    {
        // 3×3 window, stride 2, 'same' on a 4×4 plane of equal negatives: the border (padding) must never win and
        // every switch is the window's first in-image pixel in row-major order.
        var input = Enumerable.Repeat(-1f, 16).ToArray();
        var window = Window2D.For(4, 4, 3, 3, 2, 2, same: true); // pad 0 before, 1 after
        var y = new float[4]; var sw = new int[4];
        MaxPool2dScalar.Run(input, 4, 4, 1, window, y, sw);
        Assert.Equal(new[] { -1f, -1f, -1f, -1f }, y);
        Assert.Equal(new[] { 0, 2, 8, 10 }, sw);
    }

    [Fact]
    public void AveragePoolMatchesOracle()
    {
        int seed = 50;
        foreach (int k in new[] { 2, 3 })
        foreach (int s in new[] { 1, 2 })
        foreach (bool same in new[] { false, true })
        {
            int n = 2, h = 9, w = 6, c = 5;
            var window = Window2D.For(h, w, k, k, s, s, same);
            float[] input = TestData.Uniform(n * h * w * c, seed++);
            int per = window.OutHeight(h) * window.OutWidth(w) * c;
            var expected = new float[n * per];
            for (int i = 0; i < n; i++) AvgPool2dScalar.Run(input.AsSpan(i * h * w * c, h * w * c), h, w, c, window, expected.AsSpan(i * per, per));
            var actual = new float[n * per];
            Pool2d.Average(input, n, h, w, c, window, actual);
            for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f, $"avg pool element {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void SameAveragePoolCountsOnlyPixelsInsideTheImage()
    {
        // 3×3 plane 1…9, pool 2×2 stride 2 'same' → pad 0 before, 1 after: corners average 1, 2, 1 or 4 pixels.
        float[] input = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        var window = Window2D.For(3, 3, 2, 2, 2, 2, same: true);
        var y = new float[4];
        AvgPool2dScalar.Run(input, 3, 3, 1, window, y);
        Assert.Equal(new[] { 3f, 4.5f, 7.5f, 9f }, y);
    }
}
