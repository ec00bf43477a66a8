using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops.General;

/// <summary>
/// The layer-level convolution the CPU backend runs (<see cref="PackedConv2d"/>: the direct 3×3 kernel over a whole
/// batch, or im2col + GEMM) against the scalar oracle, with each kernel forced and with the automatic choice: 3×3
/// 'same' on widths around the direct kernel's 14-pixel tile (1…31), Cin 1…17, Cout 1…70, batches 1…3, with and
/// without the fused ReLU. Tolerance 1e-5 of the output's max.
/// </summary>
public class PackedConv2dTests
{
    private static void Check(ConvKernel choice, int n, int h, int w, int cin, int cout, bool relu, int seed)
    {
        var window = Window2D.For(h, w, 3, 3, 1, 1, same: true);
        float[] input = TestData.Uniform(n * h * w * cin, seed);              // (N, H, W, Cin)
        float[] kernel = TestData.Uniform(9 * cin * cout, seed + 1);         // (3, 3, Cin, Cout)
        float[] bias = TestData.Uniform(cout, seed + 2);                     // (Cout)
        var expected = new float[n * h * w * cout];                          // (N, H, W, Cout)
        for (int i = 0; i < n; i++)
            Conv2dGeneralScalar.Run(input.AsSpan(i * h * w * cin, h * w * cin), h, w, cin, window, kernel, bias, cout, expected.AsSpan(i * h * w * cout, h * w * cout));
        using var conv = new PackedConv2d(window, kernel, bias, cin, cout, w, choice);
        bool fused = relu && conv.FusesRelu;
        if (fused) for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(expected[i], 0);
        var actual = new float[expected.Length];
        Array.Fill(actual, float.NaN);
        conv.Run(input, n, h, w, actual, relu, threads: 2);
        Compare.AssertClose(expected, actual, 1e-5, $"{choice} ({conv.KernelName}) n={n} {h}x{w}x{cin}->{cout} relu={fused}");
    }

    [Theory]
    [InlineData(ConvKernel.Direct3x3)]
    [InlineData(ConvKernel.Gemm)]
    [InlineData(ConvKernel.Auto)]
    public void Same3x3OnAwkwardShapes(ConvKernel choice)
    {
        int seed = 1000;
        foreach (int w in new[] { 1, 5, 13, 14, 15, 16, 29, 30, 31 })
        foreach (int cin in new[] { 1, 3, 17 })
        {
            int cout = 1 + seed * 13 % 70;
            Check(choice, 1 + seed % 3, 3 + seed % 9, w, cin, cout, relu: seed % 2 == 0, seed);
            seed += 3;
        }
    }

    [Fact]
    public void AutoPicksDirectOnlyWhereItsTilesFit()
    {
        var window = Window2D.For(60, 60, 3, 3, 1, 1, same: true);
        float[] kernel = new float[9 * 4 * 8];
        using var wide = new PackedConv2d(window, kernel, [], 4, 8, inputWidth: 56);
        using var narrow = new PackedConv2d(window, kernel, [], 4, 8, inputWidth: 15);
        using var strided = new PackedConv2d(Window2D.For(60, 60, 3, 3, 2, 2, same: true), kernel, [], 4, 8, inputWidth: 56);
        Assert.Equal("direct 3×3", wide.KernelName);
        Assert.Equal("im2col + GEMM", narrow.KernelName);
        Assert.Equal("im2col + GEMM", strided.KernelName);
        Assert.Throws<ArgumentException>(() => new PackedConv2d(Window2D.For(9, 9, 5, 5, 1, 1, same: true), new float[25 * 4 * 8], [], 4, 8, 9, ConvKernel.Direct3x3));
    }
}
