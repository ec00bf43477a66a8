using CnnEngine.Ops;
using CnnEngine.TestSupport;
using System.Runtime.Intrinsics;

namespace CnnEngine.Deconv.Tests.Ops;

public class ConvTranspose3x3Tests
{
    public static IEnumerable<object[]> Sizes()
    {
        // (H, W, forward Cin, forward Cout): every output-channel remainder 1..17, widths around the 8-pixel tile.
        foreach (var (h, w) in new[] { (1, 1), (3, 5), (2, 11), (5, 17) })
            for (int cin = 1; cin <= 17; cin++) yield return new object[] { h, w, cin, (cin * 7) % 17 + 1 };
        yield return new object[] { 9, 10, 33, 40 };
        yield return new object[] { 12, 19, 64, 3 };
    }

    private static int[] LanesToTest()
    {
        var lanes = new List<int> { 1 };
        if (Vector256.IsHardwareAccelerated) lanes.Add(8);
        if (Vector512.IsHardwareAccelerated) lanes.Add(16);
        return lanes.ToArray();
    }

    [Theory, MemberData(nameof(Sizes))]
    public void EveryWidthMatchesTheOracle(int h, int w, int cin, int cout)
    {
        var input = TestData.Normal(h * w * cout, 1 + h * w + cout);   // (H, W, Cout): signal at the layer's output
        var kernel = TestData.Normal(9 * cin * cout, 2 + cin);          // (3, 3, Cin, Cout)
        var expected = new float[h * w * cin];                          // (H, W, Cin)
        ConvTranspose3x3Scalar.Run(input, h, w, cout, kernel, cin, expected);

        foreach (int lanes in LanesToTest())
        foreach (bool viaForwardConv in new[] { false, true })
        {
            using var packed = PackedConvTranspose3x3.Pack(kernel, cin, cout, lanes, viaForwardConv);
            Assert.Equal(viaForwardConv && Vector256.IsHardwareAccelerated, packed.Forward is not null);
            var actual = Enumerable.Repeat(float.NaN, h * w * cin).ToArray();
            ConvTranspose3x3.Run(input, h, w, packed, actual);
            Compare.AssertClose(expected, actual, 1e-5, $"lanes {lanes}, via forward conv {viaForwardConv}");
        }
    }

    [Fact]
    public void IsTheAdjointOfTheForwardConvolution()
    {
        // <conv(x), y> == <x, convT(y)> for the plain (no bias, no ReLU) forward convolution: an independent check
        // of the oracle itself, not only of the fast path against it.
        int h = 6, w = 7, cin = 5, cout = 4;
        var x = TestData.Normal(h * w * cin, 11);
        var y = TestData.Normal(h * w * cout, 12);
        var k = TestData.Normal(9 * cin * cout, 13);
        var convX = new float[h * w * cout];
        Conv3x3ReluScalar.Run(x, h, w, cin, k, new float[cout], cout, convX, relu: false);
        var convTy = new float[h * w * cin];
        using var packed = PackedConvTranspose3x3.Pack(k, cin, cout);
        ConvTranspose3x3.Run(y, h, w, packed, convTy);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < convX.Length; i++) lhs += (double)convX[i] * y[i];
        for (int i = 0; i < convTy.Length; i++) rhs += (double)x[i] * convTy[i];
        Assert.True(Math.Abs(lhs - rhs) <= 1e-4 * Math.Abs(lhs), $"<conv x, y> = {lhs}, <x, convT y> = {rhs}");
    }

    [Theory]
    [InlineData(16)] [InlineData(8)] [InlineData(1)]
    public void RegionAndChannelRangeGiveTheSameAsTheFullOp(int lanes)
    {
        if (lanes == 16 && !Vector512.IsHardwareAccelerated) return;
        if (lanes == 8 && !Vector256.IsHardwareAccelerated) return;
        int h = 13, w = 21, cin = 19, cout = 11;
        var input = new float[h * w * cout];
        var rng = new Random(5);
        // Non-zero only in rows 3..6, columns 9..18, channels 4..6.
        for (int y = 3; y < 7; y++) for (int x = 9; x < 19; x++) for (int c = 4; c < 7; c++)
            input[(y * w + x) * cout + c] = (float)rng.NextDouble() - 0.5f;
        var kernel = TestData.Normal(9 * cin * cout, 6);
        var expected = new float[h * w * cin];
        ConvTranspose3x3Scalar.Run(input, h, w, cout, kernel, cin, expected);
        using var packed = PackedConvTranspose3x3.Pack(kernel, cin, cout, lanes);
        var actual = Enumerable.Repeat(float.NaN, h * w * cin).ToArray();
        ConvTranspose3x3.Run(input, h, w, packed, actual, new ConvTranspose3x3.Region(3, 7, 9, 19), inChannelStart: 4, inChannelCount: 3);
        Compare.AssertClose(expected, actual, 1e-5, "region + channel range");

        // a region with every channel live goes through the forward conv on a crop (when vectors are accelerated)
        var viaCrop = Enumerable.Repeat(float.NaN, h * w * cin).ToArray();
        ConvTranspose3x3.Run(input, h, w, packed, viaCrop, new ConvTranspose3x3.Region(3, 7, 9, 19));
        Compare.AssertClose(expected, viaCrop, 1e-5, "region only");
        // a region touching the border (the crop is clipped by the plane)
        var edge = new float[h * w * cout];
        for (int x = 0; x < 4; x++) for (int c = 0; c < cout; c++) edge[x * cout + c] = (float)rng.NextDouble() - 0.5f;
        var edgeExpected = new float[h * w * cin];
        ConvTranspose3x3Scalar.Run(edge, h, w, cout, kernel, cin, edgeExpected);
        var edgeActual = Enumerable.Repeat(float.NaN, h * w * cin).ToArray();
        ConvTranspose3x3.Run(edge, h, w, packed, edgeActual, new ConvTranspose3x3.Region(0, 1, 0, 4));
        Compare.AssertClose(edgeExpected, edgeActual, 1e-5, "border region");
    }

    [Fact]
    public void ParallelRowsGiveTheSameResult()
    {
        int h = 40, w = 40, cin = 64, cout = 64;
        var input = TestData.Normal(h * w * cout, 7);
        using var packed = PackedConvTranspose3x3.Pack(TestData.Normal(9 * cin * cout, 8), cin, cout, useForwardConv: false);
        var one = new float[h * w * cin]; var many = new float[h * w * cin];
        ConvTranspose3x3.Run(input, h, w, packed, one, threads: 1);
        ConvTranspose3x3.Run(input, h, w, packed, many, threads: 4);
        Assert.Equal(one, many);
    }
}
