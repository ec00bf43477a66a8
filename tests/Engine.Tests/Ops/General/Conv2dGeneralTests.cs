using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops.General;

/// <summary>
/// The general convolution (im2col + GEMM, each microkernel width) against its scalar oracle on awkward shapes: kernel
/// sizes 1…7 (square and not), strides 1…3, 'valid' and 'same' (asymmetric padding), widths that leave every tile
/// remainder, Cin 1…17 and Cout 1…70 (every panel remainder), batches of 1…3. Tolerance 1e-5 of the output's max
/// (float32 sums in another order than the oracle's double sums).
/// </summary>
public class Conv2dGeneralTests
{
    public enum Variant { Driver, Vector512, Vector256 }

    private static void Check(Variant variant, int n, int h, int w, int cin, int cout, int kh, int kw, int sh, int sw, bool same, bool bias, int seed)
    {
        if (variant == Variant.Vector512 && !GemmVector512.IsHardwareAccelerated) return;
        var window = Window2D.For(h, w, kh, kw, sh, sw, same);
        if (!window.Fits(h, w)) return;
        int oh = window.OutHeight(h), ow = window.OutWidth(w);
        float[] input = TestData.Uniform(n * h * w * cin, seed);                       // (N, H, W, Cin)
        float[] kernel = TestData.Uniform(kh * kw * cin * cout, seed + 1);            // (KH, KW, Cin, Cout)
        float[] b = bias ? TestData.Uniform(cout, seed + 2) : Array.Empty<float>();   // (Cout)
        var expected = new float[n * oh * ow * cout];                                 // (N, OH, OW, Cout)
        for (int i = 0; i < n; i++)
            Conv2dGeneralScalar.Run(input.AsSpan(i * h * w * cin, h * w * cin), h, w, cin, window, kernel, b, cout, expected.AsSpan(i * oh * ow * cout, oh * ow * cout));
        var actual = new float[expected.Length];
        Array.Fill(actual, float.NaN);
        using var packed = PackedGemmWeights.Pack(kernel, b, kh * kw * cin, cout);
        switch (variant)
        {
            case Variant.Driver: Conv2dGeneral.Run(input, n, h, w, cin, window, packed, actual, threads: 2); break;
            case Variant.Vector512: Conv2dGeneral.Run<GemmVector512>(input, n, h, w, cin, window, packed, actual, threads: 2); break;
            case Variant.Vector256: Conv2dGeneral.Run<GemmVector256>(input, n, h, w, cin, window, packed, actual, threads: 1); break;
        }
        Compare.AssertClose(expected, actual, 1e-5, $"{variant} conv n={n} {h}x{w}x{cin}->{cout} k{kh}x{kw} s{sh}x{sw} {(same ? "same" : "valid")} bias={bias}");
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void AwkwardShapes(Variant variant)
    {
        int seed = 100;
        foreach (var (kh, kw) in new[] { (1, 1), (2, 2), (3, 3), (5, 5), (4, 2), (7, 3) })
        foreach (var (sh, sw) in new[] { (1, 1), (2, 2), (3, 1) })
        foreach (bool same in new[] { false, true })
            Check(variant, 1 + seed % 2, 9 + seed % 5, 13 + seed % 7, 1 + seed % 17, 1 + (seed * 7) % 70, kh, kw, sh, sw, same, seed % 3 != 0, seed++);
    }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector256)]
    public void EveryChannelCountAndTileRemainder(Variant variant)
    {
        int seed = 500;
        for (int cin = 1; cin <= 17; cin += 4)
        for (int cout = 1; cout <= 66; cout += 13)
        for (int w = 5; w <= 12; w += 1)
            Check(variant, 1, 6, w, cin, cout, 3, 2, 2, 1, (w & 1) == 0, true, seed++);
    }

    /// <summary>Layers big enough to run on both threads in several jobs, so jobs end mid-row, mid-image and mid-tile.</summary>
    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void MultiThreadedJobsCrossRowsAndImages(Variant variant)
    {
        Check(variant, 3, 17, 19, 5, 40, 3, 3, 1, 1, true, true, 700);     // 3×3 same, 3 images: 969 pixels
        Check(variant, 2, 23, 13, 17, 70, 5, 5, 2, 2, false, true, 701);   // 5×5 s2 valid, Cout 70 (panel remainder 6)
        Check(variant, 2, 31, 29, 3, 33, 2, 2, 1, 1, false, false, 702);   // 2×2 valid on 3 channels, no bias
        Check(variant, 3, 21, 11, 16, 48, 1, 1, 1, 1, false, true, 703);   // 1×1: reads the input as A, last tile partial
        Check(variant, 1, 20, 20, 64, 32, 1, 1, 1, 1, false, true, 704);   // 1×1 with every tile full
        Check(variant, 1, 16, 15, 7, 65, 4, 3, 3, 2, true, true, 705);     // asymmetric 'same' padding, strides 3×2
    }

    /// <summary>
    /// The im2col gather copies a window row (KW·Cin floats) with a move chosen by its length: every length 1…20 and
    /// some longer ones, with strides 1…3, 'same' borders on both sides, rows that end mid-tile, over two images.
    /// </summary>
    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector256)]
    public void EveryWindowRowLength(Variant variant)
    {
        int seed = 800;
        foreach (int kw in new[] { 1, 2, 3, 5 })
        for (int cin = 1; cin <= 17; cin += kw == 1 ? 1 : 2)
        {
            int stride = 1 + seed % 3;
            Check(variant, 2, 7 + seed % 4, 9 + seed % 6, cin, 1 + seed * 11 % 40, 1 + seed % 3, kw, stride, stride, seed % 2 == 0, true, seed++);
        }
    }

    /// <summary>'same' windows wider and taller than the image: no output pixel has its window inside the image.</summary>
    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    public void WindowLargerThanTheImage(Variant variant)
    {
        Check(variant, 2, 3, 4, 3, 9, 7, 7, 1, 1, true, true, 850);
        Check(variant, 3, 2, 1, 1, 33, 5, 6, 2, 1, true, false, 851);
        Check(variant, 1, 5, 2, 2, 7, 3, 5, 1, 2, true, true, 852);
    }

    [Fact]
    public void BatchOfThreeMatchesThreeSingles() => Check(Variant.Driver, 3, 17, 11, 5, 33, 5, 5, 2, 2, true, true, 900);

    [Fact]
    public void SamePaddingIsTensorFlows()
    {
        // in 8, kernel 4, stride 2: out 4, total padding (4-1)*2+4-8 = 2 → 1 before, 1 after; kernel 5: 3 → 1 before, 2 after.
        Assert.Equal(new Window2D(4, 4, 2, 2, 1, 1, 1, 1), Window2D.For(8, 8, 4, 4, 2, 2, same: true));
        Assert.Equal(new Window2D(5, 5, 2, 2, 1, 2, 1, 2), Window2D.For(8, 8, 5, 5, 2, 2, same: true));
        Assert.Equal(4, Window2D.For(8, 8, 5, 5, 2, 2, same: true).OutHeight(8));
        Assert.Equal(2, Window2D.For(8, 8, 5, 5, 2, 2, same: false).OutHeight(8));
    }
}
