using System.Runtime.Intrinsics;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops;

/// <summary>
/// Winograd F(4×4, 3×3): the scalar oracle (<see cref="Conv3x3WinogradScalar"/>) against the direct scalar convolution
/// (the algorithm's own error: tolerance 2e-5 of max |reference|, measured ≤ ~5e-6 on these sizes), then the SIMD
/// transforms and the whole SIMD convolution (Vector512, Vector256, driver) against the scalar Winograd over awkward
/// sizes: odd heights and widths (edge tiles clipped, patches reaching past the padded image), channel counts 1..17
/// (every SIMD remainder of 8 and 16 lanes), Cout not a multiple of 32. Tolerance 1e-5 (summation order and FMA only).
/// </summary>
public class Conv3x3WinogradTests
{
    private const double OracleTolerance = 2e-5;
    private const double SimdTolerance = 1e-5;
    private static readonly (int H, int W)[] Sizes = { (1, 1), (2, 3), (3, 5), (4, 4), (5, 9), (6, 13), (7, 31), (8, 2), (9, 4), (13, 6), (14, 14), (3, 17), (2, 15), (1, 29) };

    public enum Variant { Driver, Vector512, Vector256 }

    internal static void SkipUnlessAccelerated(Variant variant)
    {
        Skip.If(variant == Variant.Vector512 && !Vector512.IsHardwareAccelerated, "Vector512 is not accelerated on this CPU");
        Skip.If(variant == Variant.Vector256 && !Vector256.IsHardwareAccelerated, "Vector256 is not accelerated on this CPU");
    }

    private static void RunVariant(Variant variant, float[] input, int h, int w, PackedWinograd3x3 conv, float[] output, bool relu, int threads)
    {
        switch (variant)
        {
            case Variant.Driver: Conv3x3Winograd.Run(input, h, w, conv, output, relu, threads); break;
            case Variant.Vector512: Conv3x3Winograd.RunVector512(input, h, w, conv, output, relu, threads); break;
            case Variant.Vector256: Conv3x3Winograd.RunVector256(input, h, w, conv, output, relu, threads); break;
        }
    }

    internal static double CheckSimd(Variant variant, int h, int w, int cin, int cout, bool relu, int threads, int seed, bool inPlace = false,
        WinogradTile tile = WinogradTile.F4x4)
    {
        float[] input = TestData.Uniform(h * w * cin, seed);          // (H, W, Cin)
        float[] kernel = TestData.Uniform(9 * cin * cout, seed + 1);  // (3, 3, Cin, Cout)
        float[] bias = TestData.Uniform(cout, seed + 2);              // (Cout)
        var expected = new float[h * w * cout];                       // (H, W, Cout)
        Conv3x3WinogradScalar.Run(input, h, w, cin, kernel, bias, cout, expected, relu, tile == WinogradTile.F2x2 ? WinogradMatrices.F2x2 : WinogradMatrices.F4x4);
        using var packed = inPlace ? PackedWinograd3x3.InPlace(kernel, bias, cin, cout, tile) : PackedWinograd3x3.Pack(kernel, bias, cin, cout, tile);
        Assert.Equal(inPlace, packed.TransformsOnTheFly);
        Assert.Equal(tile, packed.Tile);
        var actual = new float[h * w * cout];
        Array.Fill(actual, float.NaN); // every output element must be written
        RunVariant(variant, input, h, w, packed, actual, relu, threads);
        return Compare.AssertClose(expected, actual, SimdTolerance, $"{variant} winograd {tile}{(inPlace ? " in place" : "")} {h}x{w} Cin={cin} Cout={cout} relu={relu} threads={threads}");
    }

    [Fact]
    public void ScalarOracle_MatchesDirectConvolution()
    {
        int seed = 0;
        foreach (var (h, w) in Sizes)
        foreach (int cin in new[] { 1, 3, 8, 17 })
        foreach (int cout in new[] { 1, 5, 16 })
        {
            float[] input = TestData.Uniform(h * w * cin, seed), kernel = TestData.Uniform(9 * cin * cout, seed + 1), bias = TestData.Uniform(cout, seed + 2);
            var direct = new float[h * w * cout];
            var winograd = new float[h * w * cout];
            Conv3x3ReluScalar.Run(input, h, w, cin, kernel, bias, cout, direct, relu: false);
            Conv3x3WinogradScalar.Run(input, h, w, cin, kernel, bias, cout, winograd, relu: false);
            Compare.AssertClose(direct, winograd, OracleTolerance, $"scalar winograd vs direct {h}x{w} Cin={cin} Cout={cout}");
            seed += 3;
        }
    }

    [Fact]
    public void ScalarOracle_WideChannels_ErrorStaysSmall()
    {
        // VGG-like depth: the Winograd error grows with the reduction length like any float sum.
        int h = 9, w = 11, cin = 256, cout = 8;
        float[] input = TestData.Uniform(h * w * cin, 1), kernel = TestData.Uniform(9 * cin * cout, 2), bias = TestData.Uniform(cout, 3);
        var direct = new float[h * w * cout];
        var winograd = new float[h * w * cout];
        Conv3x3ReluScalar.Run(input, h, w, cin, kernel, bias, cout, direct, relu: true);
        Conv3x3WinogradScalar.Run(input, h, w, cin, kernel, bias, cout, winograd, relu: true);
        Compare.AssertClose(direct, winograd, OracleTolerance, "scalar winograd vs direct, Cin=256");
    }

    [Fact]
    public void KernelTransform_OfADeltaKernel_GivesTheIdentityConvolution()
    {
        // g = δ at the centre: the convolution copies its input, so Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A must be d's inner 4×4.
        Span<float> g = stackalloc float[9], u = stackalloc float[36], v = stackalloc float[36], m = stackalloc float[36], y = stackalloc float[16];
        g[4] = 1;
        Conv3x3WinogradScalar.KernelTransform(g, u);
        float[] d = TestData.Uniform(36, 9);
        Conv3x3WinogradScalar.InputTransform(d, v);
        for (int e = 0; e < 36; e++) m[e] = u[e] * v[e];
        Conv3x3WinogradScalar.OutputTransform(m, y);
        for (int oy = 0; oy < 4; oy++)
        for (int ox = 0; ox < 4; ox++)
            Assert.True(Math.Abs(y[oy * 4 + ox] - d[(oy + 1) * 6 + ox + 1]) < 1e-5, $"identity at ({oy}, {ox}): {y[oy * 4 + ox]} vs {d[(oy + 1) * 6 + ox + 1]}");
    }

    [SkippableTheory]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void InputAndOutputTransforms_MatchTheScalarOracle(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        // The F(4×4) transforms scale values by up to 25 (Bᵀ twice) and 100 (Aᵀ twice): float rounding scaled alike.
        if (variant == Variant.Vector512) CheckTransforms<SimdFloat512, Vector512<float>, WinogradF4x4>(1e-5 * 25, 1e-5 * 100);
        else CheckTransforms<SimdFloat256, Vector256<float>, WinogradF4x4>(1e-5 * 25, 1e-5 * 100);
    }

    /// <summary>
    /// One algorithm's SIMD input and output transforms against the scalar oracle's matrices, over every count of valid
    /// columns (patches cut at the right edge) and a patch row taken from the shared zero row (below the image).
    /// </summary>
    internal static unsafe void CheckTransforms<TS, TV, TW>(double inputTolerance, double outputTolerance)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        int count = TS.Count, n = TW.InTile, m = TW.OutTile, elements = TW.Elements;
        float** rows = stackalloc float*[n];
        TV* scratch = stackalloc TV[36];
        Span<float> d = stackalloc float[elements], expected = stackalloc float[elements];
        for (int validCols = 1; validCols <= n; validCols++)
        for (int zeroRow = -1; zeroRow < n; zeroRow++)
        {
            // An n×n patch of `count` channels, pixels `count` apart; one row may be the shared zero row.
            float[] patch = TestData.Uniform(elements * count, validCols * 10 + zeroRow + 1);
            float[] zeros = new float[n * count];
            float[] v = new float[elements * count]; // (E, count)
            fixed (float* p = patch) fixed (float* z = zeros) fixed (float* vp = v)
            {
                for (int r = 0; r < n; r++) rows[r] = r == zeroRow ? z : p + r * n * count;
                TW.Input<TS, TV>(rows, count, validCols, 0, vp, count, scratch);
            }
            for (int c = 0; c < count; c++)
            {
                for (int r = 0; r < n; r++)
                for (int col = 0; col < n; col++)
                    d[r * n + col] = r == zeroRow || col >= validCols ? 0 : patch[(r * n + col) * count + c];
                Conv3x3WinogradScalar.InputTransform(TW.Matrices, d, expected);
                for (int e = 0; e < elements; e++)
                    Assert.True(Math.Abs(v[e * count + c] - expected[e]) <= inputTolerance, $"{typeof(TW).Name} input transform e={e} c={c} cols={validCols} zeroRow={zeroRow}: {v[e * count + c]} vs {expected[e]}");
            }
        }
        float[] mv = TestData.Uniform(elements * count, 77); // (E, count)
        float[] y = new float[m * m * count];
        fixed (float* mp = mv) fixed (float* yp = y)
        {
            TV* yv = stackalloc TV[16];
            TW.Output<TS, TV>(mp, count, yv, scratch);
            for (int i = 0; i < m * m; i++) TS.Store(yv[i], yp + i * count);
        }
        Span<float> mc = stackalloc float[elements], ys = stackalloc float[m * m];
        for (int c = 0; c < count; c++)
        {
            for (int e = 0; e < elements; e++) mc[e] = mv[e * count + c];
            Conv3x3WinogradScalar.OutputTransform(TW.Matrices, mc, ys);
            for (int i = 0; i < m * m; i++)
                Assert.True(Math.Abs(y[i * count + c] - ys[i]) <= outputTolerance, $"{typeof(TW).Name} output transform {i} c={c}: {y[i * count + c]} vs {ys[i]}");
        }
    }

    /// <summary>
    /// The per-task kernel transform (<see cref="WinogradTransforms.Kernel"/>, float, integer 24·G, output 576·U) against
    /// the oracle's U = G g Gᵀ (double, rounded once), reading the taps at a Keras-like stride. |U| ≤ |g|·(sum of |G| row)² ≤ 0.25 for
    /// g in [0, 1): a few float roundings give ≤ ~1e-7; tolerance 1e-6 absolute.
    /// </summary>
    [SkippableTheory]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void KernelTransform_MatchesTheScalarOracle(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        if (variant == Variant.Vector512) CheckKernelTransform<SimdFloat512, Vector512<float>, WinogradF4x4>();
        else CheckKernelTransform<SimdFloat256, Vector256<float>, WinogradF4x4>();
    }

    internal static unsafe void CheckKernelTransform<TS, TV, TW>()
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TW : struct, IWinogradTile
    {
        int count = TS.Count, tapStride = 3 * count + 5, elements = TW.Elements; // taps not adjacent, as in (3, 3, Cin, Cout)
        float[] kernel = TestData.Uniform(9 * tapStride, 41).Select(x => x - 0.5f).ToArray();
        float[] u = new float[elements * (count + 3)]; // (E, ·), element stride count + 3
        TV* scratch = stackalloc TV[18];
        fixed (float* k = kernel) fixed (float* up = u)
            TW.Kernel<TS, TV>(k, tapStride, up, count + 3, scratch);
        Span<float> g = stackalloc float[9], expected = stackalloc float[elements];
        double worst = 0;
        for (int c = 0; c < count; c++)
        {
            for (int tap = 0; tap < 9; tap++) g[tap] = kernel[tap * tapStride + c];
            Conv3x3WinogradScalar.KernelTransform(TW.Matrices, g, expected);
            for (int e = 0; e < elements; e++) worst = Math.Max(worst, Math.Abs(u[e * (count + 3) + c] / TW.KernelScale - expected[e]));
        }
        Assert.True(worst <= 1e-6, $"{typeof(TW).Name} kernel transform: worst |error| {worst:E2}");
    }

    /// <summary>
    /// Weights transformed on the fly from the Keras kernel (<see cref="PackedWinograd3x3.InPlace"/>) against the scalar
    /// Winograd: channel counts 1..17, Cout not a multiple of 32 (the zero-padded last block), Cin over one 64-channel
    /// partial sum (70, 130) and over one 256-channel transform chunk (300), odd sizes, several tile groups. Same tolerance as the packed weights.
    /// </summary>
    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void WeightsTransformedOnTheFly_MatchTheOracle(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        int seed = 900;
        foreach (var (h, w) in new[] { (1, 1), (5, 9), (7, 31), (14, 14) })
        for (int cin = 1; cin <= 17; cin += 8)
        foreach (int cout in new[] { 1, 17, 33 })
            CheckSimd(variant, h, w, cin, cout, relu: (seed & 1) == 0, threads: 1 + seed % 3, seed: seed++, inPlace: true);
        CheckSimd(variant, 14, 14, 70, 40, relu: true, threads: 2, seed: 950, inPlace: true);
        CheckSimd(variant, 6, 5, 130, 64, relu: false, threads: 2, seed: 951, inPlace: true);
        CheckSimd(variant, 5, 6, 300, 33, relu: true, threads: 2, seed: 953, inPlace: true);   // two transform chunks (256 + 44)
        CheckSimd(variant, 37, 45, 24, 35, relu: true, threads: 3, seed: 952, inPlace: true);
    }

    [Fact]
    public void InPlaceWeights_HaveNoPackedCopy()
    {
        float[] kernel = TestData.Uniform(9 * 64 * 96, 5), bias = TestData.Uniform(96, 6);
        using var inPlace = PackedWinograd3x3.InPlace(kernel, bias, 64, 96);
        using var packed = PackedWinograd3x3.Pack(kernel, bias, 64, 96);
        Assert.Equal(96 * sizeof(float), inPlace.OwnBytes);                         // the bias only
        Assert.Equal((36L * 3 * 64 * 32 + 96) * sizeof(float), packed.OwnBytes);    // 36 elements × 3 blocks × (64, 32)
        Assert.ThrowsAny<ArgumentException>(() => PackedWinograd3x3.InPlace(new float[5], new float[3], 2, 3));
    }

    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void ChannelCounts1To17_AllSizes(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        int seed = 0;
        foreach (var (h, w) in Sizes)
        for (int cin = 1; cin <= 17; cin += 4)
        foreach (int cout in new[] { 1, 7, 16, 17, 33 })
            CheckSimd(variant, h, w, cin, cout, relu: (seed & 1) == 0, threads: 1 + seed % 3, seed: seed++);
    }

    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void EveryChannelCount1To17_OddSize(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        for (int c = 1; c <= 17; c++)
        {
            CheckSimd(variant, 5, 9, c, 18 - c, relu: true, threads: 2, seed: 100 + c);
            CheckSimd(variant, 7, 11, c, c + 15, relu: false, threads: 2, seed: 200 + c);
        }
    }

    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void WideChannels_AndManyTiles(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        CheckSimd(variant, 14, 14, 64, 64, relu: true, threads: 2, seed: 7);    // 16 tiles: rows of 8
        CheckSimd(variant, 28, 28, 32, 40, relu: true, threads: 2, seed: 8);    // 49 tiles: rows of 7
        CheckSimd(variant, 37, 45, 24, 35, relu: false, threads: 3, seed: 9);   // 120 tiles: several tile groups
        CheckSimd(variant, 6, 5, 128, 96, relu: true, threads: 1, seed: 10);
        // One worker, 256 tiles: four tile groups, so one task holds all 5 output blocks and runs them as spans of 2 + 2 + 1.
        Assert.Equal(1, Conv3x3Winograd.Plan.For(1, 64, 64, 5, 1, WinogradF4x4.OutTile, WinogradF4x4.MaxGroupTiles).ChannelGroups);
        CheckSimd(variant, 64, 64, 3, 150, relu: true, threads: 1, seed: 11);
        CheckSimd(variant, 64, 64, 5, 150, relu: false, threads: 1, seed: 12, inPlace: true);
    }

    /// <summary>
    /// The input transform shared by all tasks of a layer (small maps, one tile group: the plan splits the output
    /// channels, V is computed once by all workers, then the GEMM tasks read it), packed and on-the-fly weights, against
    /// the scalar Winograd: channel counts 1..17 and 70, Cout that is no multiple of the task slice (33, 97, 200: odd
    /// block counts, zero-padded last block), 1–3 workers (tile slices of 1..16 tiles); and, for contrast, several tile
    /// groups with split channels (each task its own V).
    /// </summary>
    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void SharedInputTransform_MatchesTheOracle(Variant variant)
    {
        SkipUnlessAccelerated(variant);
        int seed = 1200;
        foreach (var (h, w, threads) in new[] { (1, 1, 2), (5, 9, 3), (14, 14, 2), (7, 31, 1), (28, 28, 2), (37, 45, 2) })
        foreach (int cin in new[] { 1, 6, 17 })
        foreach (int cout in new[] { 33, 97, 200 })
        {
            var plan = Conv3x3Winograd.Plan.For(1, h, w, (cout + 31) / 32, threads, WinogradF4x4.OutTile, WinogradF4x4.MaxGroupTiles);
            Assert.True(plan.ChannelGroups > 1, $"{h}x{w} Cout={cout} threads={threads}: the plan does not split the channels");
            Assert.Equal((h, w) != (37, 45), plan.Groups == 1); // 37x45 (120 tiles): two tile groups, each task its own V
            CheckSimd(variant, h, w, cin, cout, relu: (seed & 1) == 0, threads, seed, inPlace: (seed & 2) == 0);
            seed++;
        }
        Assert.True(Conv3x3Winograd.Plan.For(1, 37, 45, 4, 2, WinogradF4x4.OutTile, WinogradF4x4.MaxGroupTiles).Groups > 1, "37x45 must give several tile groups");
        CheckSimd(variant, 14, 14, 70, 97, relu: true, threads: 2, seed: 1290, inPlace: true);
        CheckSimd(variant, 14, 14, 70, 97, relu: false, threads: 2, seed: 1291, inPlace: false);
    }

    /// <summary>
    /// Conv + 2×2 max pool fused in the output transform against the same Winograd conv unfused followed by
    /// <see cref="MaxPool2x2Scalar"/>: maxima and switches must be identical (the conv values are the same bits), and
    /// with a negative bias ReLU leaves many exact zero ties, so the top-left tie rule is exercised. Batches of two
    /// images in strided buffers; odd sizes (the pool drops the last row/column); conv output written or not.
    /// </summary>
    [SkippableTheory]
    [InlineData(Variant.Vector512, WinogradTile.F4x4)]
    [InlineData(Variant.Vector256, WinogradTile.F4x4)]
    [InlineData(Variant.Vector512, WinogradTile.F2x2)]
    [InlineData(Variant.Vector256, WinogradTile.F2x2)]
    public unsafe void FusedPool_EqualsConvThenScalarPool(Variant variant, WinogradTile tile)
    {
        SkipUnlessAccelerated(variant);
        int seed = 500;
        foreach (var (h, w) in new[] { (2, 2), (3, 3), (5, 9), (7, 7), (6, 13), (14, 14), (3, 31), (13, 6), (9, 4) })
        foreach (int cin in new[] { 1, 5, 16, 17 })
        foreach (int cout in new[] { 1, 9, 16, 33 })
        foreach (bool writeConv in new[] { false, true })
        {
            const int images = 2;
            float[] input = TestData.Uniform(images * h * w * cin, seed), kernel = TestData.Uniform(9 * cin * cout, seed + 1);
            float[] bias = TestData.Uniform(cout, seed + 2).Select(b => b - 0.5f).ToArray();
            seed += 3;
            using var packed = (seed & 4) == 0 ? PackedWinograd3x3.Pack(kernel, bias, cin, cout, tile) : PackedWinograd3x3.InPlace(kernel, bias, cin, cout, tile);
            int oh = h / 2, ow = w / 2, paddedWidth = Conv3x3.PaddedWidth(w);
            nint paddedImage = (nint)(h + 2) * paddedWidth * cin;
            var padded = new float[images * paddedImage];                   // (N, H + 2, paddedWidth, Cin)
            var conv = new float[images * h * w * cout];                     // (N, H, W, Cout)
            var fusedConv = Enumerable.Repeat(float.NaN, conv.Length).ToArray();
            var pooled = Enumerable.Repeat(float.NaN, images * oh * ow * cout).ToArray();   // (N, H/2, W/2, Cout)
            var switches = Enumerable.Repeat(-7, pooled.Length).ToArray();
            var pooledNoSwitches = Enumerable.Repeat(float.NaN, pooled.Length).ToArray(); // the same pool asked for no switches
            fixed (float* src = input) fixed (float* pad = padded) fixed (float* c = conv) fixed (float* fc = fusedConv)
            fixed (float* p = pooled) fixed (int* sw = switches) fixed (float* p2 = pooledNoSwitches)
            {
                for (int n = 0; n < images; n++) Conv3x3.CopyIntoPadded(src + n * h * w * cin, h, w, cin, pad + n * paddedImage, paddedWidth);
                var target = new Conv3x3Winograd.PoolTarget(p, (nint)oh * ow * cout, (nint)ow * cout, sw);
                var noSwitches = new Conv3x3Winograd.PoolTarget(p2, (nint)oh * ow * cout, (nint)ow * cout, null);
                if (variant == Variant.Vector512)
                {
                    Conv3x3Winograd.RunPadded<SimdFloat512, Vector512<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, c, (nint)h * w * cout, (nint)w * cout, true, 2);
                    Conv3x3Winograd.RunPadded<SimdFloat512, Vector512<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, writeConv ? fc : null, (nint)h * w * cout, (nint)w * cout, true, 2, target);
                    Conv3x3Winograd.RunPadded<SimdFloat512, Vector512<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, null, (nint)h * w * cout, (nint)w * cout, true, 2, noSwitches);
                }
                else
                {
                    Conv3x3Winograd.RunPadded<SimdFloat256, Vector256<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, c, (nint)h * w * cout, (nint)w * cout, true, 2);
                    Conv3x3Winograd.RunPadded<SimdFloat256, Vector256<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, writeConv ? fc : null, (nint)h * w * cout, (nint)w * cout, true, 2, target);
                    Conv3x3Winograd.RunPadded<SimdFloat256, Vector256<float>>(pad, paddedImage, (nint)paddedWidth * cin, images, h, w, packed, null, (nint)h * w * cout, (nint)w * cout, true, 2, noSwitches);
                }
            }
            var expectedPooled = new float[pooled.Length];
            var expectedSwitches = new int[pooled.Length];
            for (int n = 0; n < images; n++)
                MaxPool2x2Scalar.Run(conv.AsSpan(n * h * w * cout, h * w * cout), h, w, cout,
                    expectedPooled.AsSpan(n * oh * ow * cout, oh * ow * cout), expectedSwitches.AsSpan(n * oh * ow * cout, oh * ow * cout));
            string what = $"{variant} {tile} fused pool {h}x{w} Cin={cin} Cout={cout} writeConv={writeConv}";
            Assert.True(expectedPooled.AsSpan().SequenceEqual(pooled), $"{what}: maxima differ");
            Assert.True(expectedSwitches.AsSpan().SequenceEqual(switches), $"{what}: switches differ");
            Assert.True(expectedPooled.AsSpan().SequenceEqual(pooledNoSwitches), $"{what}: maxima differ without switches");
            if (writeConv) Assert.True(conv.AsSpan().SequenceEqual(fusedConv), $"{what}: conv output differs");
            else Assert.All(fusedConv, v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void InputWithNaNFillerOutsideTheImage_DoesNotLeak()
    {
        int h = 5, w = 6, cin = 3, cout = 5;
        float[] input = TestData.Uniform(h * w * cin + 64, 1);
        for (int i = h * w * cin; i < input.Length; i++) input[i] = float.NaN;
        float[] kernel = TestData.Uniform(9 * cin * cout, 2), bias = TestData.Uniform(cout, 3);
        var expected = new float[h * w * cout];
        Conv3x3WinogradScalar.Run(input.AsSpan(0, h * w * cin), h, w, cin, kernel, bias, cout, expected);
        using var packed = PackedWinograd3x3.Pack(kernel, bias, cin, cout);
        var actual = new float[h * w * cout];
        Conv3x3Winograd.Run(input, h, w, packed, actual);
        Compare.AssertClose(expected, actual, SimdTolerance, "winograd with NaN tail");
    }

    [Fact]
    public void BadArguments_Throw()
    {
        using var packed = PackedWinograd3x3.Pack(new float[9 * 2 * 3], new float[3], 2, 3);
        Assert.ThrowsAny<ArgumentException>(() => Conv3x3Winograd.Run(new float[10], 3, 3, packed, new float[27]));
        Assert.ThrowsAny<ArgumentException>(() => Conv3x3Winograd.Run(new float[18], 3, 3, packed, new float[26]));
        Assert.ThrowsAny<ArgumentException>(() => PackedWinograd3x3.Pack(new float[9 * 2 * 3], new float[2], 2, 3));
        Assert.ThrowsAny<ArgumentException>(() => PackedWinograd3x3.Pack(new float[5], new float[3], 2, 3));
    }
}
