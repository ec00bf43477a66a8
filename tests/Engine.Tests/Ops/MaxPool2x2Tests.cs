using CnnEngine.Ops;

namespace CnnEngine.Tests.Ops;

/// <summary>
/// Every MaxPool2x2 variant against MaxPool2x2Scalar, on inputs full of exact ties (zeros and small integers)
/// so the "first in row-major order" rule is exercised. Tolerance: exact (values and switches identical).
/// </summary>
public class MaxPool2x2Tests
{
    public enum Variant { Driver, Vector512, Vector256 }

    private static void Check(Variant variant, int h, int w, int c, bool ties, int seed)
    {
        float[] input = ties ? TestData.Ties(h * w * c, seed) : TestData.Uniform(h * w * c, seed); // (H, W, C)
        int count = (h / 2) * (w / 2) * c;
        var expected = new float[count]; var expectedSwitches = new int[count];                  // (H/2, W/2, C)
        MaxPool2x2Scalar.Run(input, h, w, c, expected, expectedSwitches);
        var actual = new float[count]; var actualSwitches = new int[count];
        Array.Fill(actual, float.NaN); Array.Fill(actualSwitches, -7);
        switch (variant)
        {
            case Variant.Driver: MaxPool2x2.Run(input, h, w, c, actual, actualSwitches, threads: 2); break;
            case Variant.Vector512: MaxPool2x2Vector512.Run(input, h, w, c, actual, actualSwitches); break;
            case Variant.Vector256: MaxPool2x2Vector256.Run(input, h, w, c, actual, actualSwitches); break;
        }
        for (int i = 0; i < count; i++)
        {
            if (expected[i] != actual[i] || expectedSwitches[i] != actualSwitches[i])
                Assert.Fail($"{variant} pool {h}x{w}x{c} ties={ties}: element {i}: expected {expected[i]} @ {expectedSwitches[i]}, got {actual[i]} @ {actualSwitches[i]}");
        }
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void AwkwardSizesAndTies(Variant variant)
    {
        int seed = 0;
        int[] sides = { 2, 3, 4, 5, 7, 9, 13, 31 };
        foreach (int h in sides)
        foreach (int w in sides)
        foreach (int c in new[] { 1, 3, 7, 8, 9, 15, 16, 17, 33, 64 })
            Check(variant, h, w, c, ties: seed % 3 != 0, seed: seed++);
    }

    [Fact]
    public void AllZeros_SwitchIsTopLeft()
    {
        // Independent of the oracle: with every candidate equal, the switch must be the top-left one.
        int h = 4, w = 6, c = 19;
        var output = new float[2 * 3 * c]; var switches = new int[2 * 3 * c];
        MaxPool2x2.Run(new float[h * w * c], h, w, c, output, switches);
        for (int oy = 0; oy < 2; oy++)
        for (int ox = 0; ox < 3; ox++)
        for (int ch = 0; ch < c; ch++)
            Assert.Equal(2 * oy * w + 2 * ox, switches[(oy * 3 + ox) * c + ch]);
    }

    [Fact]
    public void TooSmall_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => MaxPool2x2.Run(new float[3], 1, 3, 1, new float[1], new int[1]));
    }
}
