using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops;

/// <summary>
/// Every Conv3x3 variant (the Vector512 and Vector256 microkernels called explicitly, and the driver) against
/// Conv3x3ReluScalar over awkward sizes. Tolerance: 1e-5 of max |reference| (only the summation order differs).
/// </summary>
public class Conv3x3Tests
{
    private const double Tolerance = 1e-5;
    private static readonly (int H, int W)[] Sizes = { (1, 1), (2, 3), (3, 5), (4, 7), (5, 9), (6, 13), (7, 31), (8, 2), (9, 4), (13, 6), (31, 8), (3, 14), (2, 15), (1, 29) };

    public enum Variant { Driver, Vector512, Vector256 }

    private static void RunVariant(Variant variant, float[] input, int h, int w, PackedConv3x3 conv, float[] output, bool relu, int threads)
    {
        switch (variant)
        {
            case Variant.Driver: Conv3x3.Run(input, h, w, conv, output, relu, threads); break;
            case Variant.Vector512: Conv3x3Vector512.Run(input, h, w, conv, output, relu, threads); break;
            case Variant.Vector256: Conv3x3Vector256.Run(input, h, w, conv, output, relu, threads); break;
        }
    }

    private static void Check(Variant variant, int h, int w, int cin, int cout, bool relu, int threads, int seed)
    {
        float[] input = TestData.Uniform(h * w * cin, seed);          // (H, W, Cin)
        float[] kernel = TestData.Uniform(9 * cin * cout, seed + 1);  // (3, 3, Cin, Cout)
        float[] bias = TestData.Uniform(cout, seed + 2);              // (Cout)
        var expected = new float[h * w * cout];                       // (H, W, Cout)
        Conv3x3ReluScalar.Run(input, h, w, cin, kernel, bias, cout, expected, relu);
        using var packed = PackedConv3x3.Pack(kernel, bias, cin, cout);
        var actual = new float[h * w * cout];
        Array.Fill(actual, float.NaN); // every output element must be written
        RunVariant(variant, input, h, w, packed, actual, relu, threads);
        Compare.AssertClose(expected, actual, Tolerance, $"{variant} conv {h}x{w} Cin={cin} Cout={cout} relu={relu} threads={threads}");
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void ChannelCounts1To17_AllSizes(Variant variant)
    {
        int seed = 0;
        foreach (var (h, w) in Sizes)
        for (int cin = 1; cin <= 17; cin += 4)
        foreach (int cout in new[] { 1, 4, 7, 10, 13, 16, 17 })
            Check(variant, h, w, cin, cout, relu: (seed & 1) == 0, threads: 1 + seed % 3, seed: seed++);
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void EveryChannelCount1To17_OddSize(Variant variant)
    {
        for (int c = 1; c <= 17; c++)
        {
            Check(variant, 5, 9, c, 18 - c, relu: true, threads: 2, seed: 100 + c);
            Check(variant, 3, 31, c, c, relu: false, threads: 2, seed: 200 + c);
        }
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void WideChannels(Variant variant)
    {
        Check(variant, 13, 9, 64, 64, relu: true, threads: 2, seed: 7);
        Check(variant, 7, 31, 3, 64, relu: true, threads: 2, seed: 8);
        Check(variant, 6, 5, 128, 128, relu: true, threads: 2, seed: 9);
        Check(variant, 9, 14, 64, 128, relu: false, threads: 1, seed: 10);
        Check(variant, 4, 28, 17, 33, relu: true, threads: 3, seed: 11);
    }

    [Fact]
    public void InputWithNaNFillerOutsideTheImage_DoesNotLeak()
    {
        // The driver must read only the image (plus its zero padding): a longer input span's tail must not matter.
        int h = 4, w = 5, cin = 3, cout = 5;
        float[] input = TestData.Uniform(h * w * cin + 64, 1);
        for (int i = h * w * cin; i < input.Length; i++) input[i] = float.NaN;
        float[] kernel = TestData.Uniform(9 * cin * cout, 2), bias = TestData.Uniform(cout, 3);
        var expected = new float[h * w * cout];
        Conv3x3ReluScalar.Run(input.AsSpan(0, h * w * cin), h, w, cin, kernel, bias, cout, expected);
        using var packed = PackedConv3x3.Pack(kernel, bias, cin, cout);
        var actual = new float[h * w * cout];
        Conv3x3.Run(input, h, w, packed, actual);
        Compare.AssertClose(expected, actual, Tolerance, "conv with NaN tail");
    }

    [Fact]
    public void BadArguments_Throw()
    {
        using var packed = PackedConv3x3.Pack(new float[9 * 2 * 3], new float[3], 2, 3);
        Assert.ThrowsAny<ArgumentException>(() => Conv3x3.Run(new float[10], 3, 3, packed, new float[27]));
        Assert.ThrowsAny<ArgumentException>(() => Conv3x3.Run(new float[18], 3, 3, packed, new float[26]));
        Assert.ThrowsAny<ArgumentException>(() => PackedConv3x3.Pack(new float[9 * 2 * 3], new float[2], 2, 3));
        Assert.ThrowsAny<ArgumentException>(() => PackedConv3x3.Pack(new float[5], new float[3], 2, 3));
    }
}
