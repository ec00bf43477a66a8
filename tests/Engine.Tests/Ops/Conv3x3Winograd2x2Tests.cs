using System.Runtime.Intrinsics;
using CnnEngine.Ops;
using CnnEngine.TestSupport;
using Variant = CnnEngine.Tests.Ops.Conv3x3WinogradTests.Variant;

namespace CnnEngine.Tests.Ops;

/// <summary>
/// Winograd F(2×2, 3×3): the scalar oracle (<see cref="Conv3x3WinogradScalar"/> with <see cref="WinogradMatrices.F2x2"/>)
/// against the direct scalar convolution, the SIMD transforms (<see cref="WinogradTransforms2x2"/>) against the oracle's,
/// and the whole SIMD convolution (packed and on-the-fly weights, every width) against the scalar F(2×2) over awkward
/// sizes, channel counts 1..17, Cout not a multiple of 32, one shared tile group and several. The fused pool is covered
/// with F(4×4)'s test (<see cref="Conv3x3WinogradTests.FusedPool_EqualsConvThenScalarPool"/>).
/// </summary>
public class Conv3x3Winograd2x2Tests
{
    private static readonly (int H, int W)[] Sizes = { (1, 1), (2, 3), (3, 5), (4, 4), (5, 9), (7, 31), (8, 2), (13, 6), (14, 14), (1, 29) };

    /// <summary>F(2×2)'s own error is about the direct kernel's: tolerance 2e-6 of max |reference| (F(4×4) needs 2e-5).</summary>
    [Fact]
    public void ScalarOracle_MatchesDirectConvolution()
    {
        int seed = 0;
        foreach (var (h, w) in Sizes)
        foreach (int cin in new[] { 1, 3, 17, 64 })
        foreach (int cout in new[] { 1, 5, 16 })
        {
            float[] input = TestData.Uniform(h * w * cin, seed), kernel = TestData.Uniform(9 * cin * cout, seed + 1).Select(x => x - 0.5f).ToArray();
            float[] bias = TestData.Uniform(cout, seed + 2);
            seed += 3;
            var direct = new float[h * w * cout];
            var winograd = new float[h * w * cout];
            Conv3x3ReluScalar.Run(input, h, w, cin, kernel, bias, cout, direct, relu: false);
            Conv3x3WinogradScalar.Run(input, h, w, cin, kernel, bias, cout, winograd, relu: false, WinogradMatrices.F2x2);
            Compare.AssertClose(direct, winograd, 2e-6, $"F(2x2) oracle {h}x{w} Cin={cin} Cout={cout}");
        }
    }

    /// <summary>Input, output and kernel transforms against the oracle's matrices (coefficients 0, ±1, ±½: tolerance 1e-6).</summary>
    [SkippableTheory]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void Transforms_MatchTheScalarOracle(Variant variant)
    {
        Conv3x3WinogradTests.SkipUnlessAccelerated(variant);
        if (variant == Variant.Vector512)
        {
            Conv3x3WinogradTests.CheckTransforms<SimdFloat512, Vector512<float>, WinogradF2x2>(1e-6, 1e-6);
            Conv3x3WinogradTests.CheckKernelTransform<SimdFloat512, Vector512<float>, WinogradF2x2>();
        }
        else
        {
            Conv3x3WinogradTests.CheckTransforms<SimdFloat256, Vector256<float>, WinogradF2x2>(1e-6, 1e-6);
            Conv3x3WinogradTests.CheckKernelTransform<SimdFloat256, Vector256<float>, WinogradF2x2>();
        }
    }

    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void ChannelCounts1To17_AllSizes_PackedAndOnTheFly(Variant variant)
    {
        Conv3x3WinogradTests.SkipUnlessAccelerated(variant);
        int seed = 3000;
        foreach (var (h, w) in Sizes)
        for (int cin = 1; cin <= 17; cin += 4)
        foreach (int cout in new[] { 1, 7, 17, 33 })
        {
            Conv3x3WinogradTests.CheckSimd(variant, h, w, cin, cout, relu: (seed & 1) == 0, threads: 1 + seed % 3, seed, inPlace: (seed & 2) == 0, tile: WinogradTile.F2x2);
            seed++;
        }
        for (int c = 1; c <= 17; c++)
            Conv3x3WinogradTests.CheckSimd(variant, 5, 9, c, 18 - c, relu: true, threads: 2, seed: 3500 + c, inPlace: (c & 1) == 0, tile: WinogradTile.F2x2);
    }

    /// <summary>
    /// Wide channels (over one 64-channel partial sum and one 256-channel transform chunk), the shared input transform
    /// (28×28 at batch 1: 196 tiles, one group, channels split over tasks) and several tile groups (37×45: 437 tiles).
    /// </summary>
    [SkippableTheory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void WideChannels_SharedInput_AndSeveralGroups(Variant variant)
    {
        Conv3x3WinogradTests.SkipUnlessAccelerated(variant);
        var shared = Conv3x3Winograd.Plan.For(1, 28, 28, 4, 2, WinogradF2x2.OutTile, WinogradF2x2.MaxGroupTiles);
        Assert.True(shared.Groups == 1 && shared.ChannelGroups > 1, "28x28 at batch 1 must be one tile group with split channels");
        Assert.True(Conv3x3Winograd.Plan.For(1, 37, 45, 4, 2, WinogradF2x2.OutTile, WinogradF2x2.MaxGroupTiles).Groups > 1, "37x45 must give several tile groups");
        Conv3x3WinogradTests.CheckSimd(variant, 28, 28, 17, 100, relu: true, threads: 2, seed: 3600, inPlace: true, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 28, 28, 6, 97, relu: false, threads: 3, seed: 3601, inPlace: false, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 14, 14, 70, 40, relu: true, threads: 2, seed: 3602, inPlace: true, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 5, 6, 300, 33, relu: true, threads: 2, seed: 3603, inPlace: true, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 37, 45, 24, 35, relu: false, threads: 3, seed: 3604, inPlace: true, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 37, 45, 24, 35, relu: true, threads: 2, seed: 3605, inPlace: false, tile: WinogradTile.F2x2);
        // One worker, 784 tiles: four groups, one task with all 5 output blocks, run as spans of 2 + 2 + 1.
        Assert.Equal(1, Conv3x3Winograd.Plan.For(1, 56, 56, 5, 1, WinogradF2x2.OutTile, WinogradF2x2.MaxGroupTiles).ChannelGroups);
        Conv3x3WinogradTests.CheckSimd(variant, 56, 56, 3, 150, relu: true, threads: 1, seed: 3606, inPlace: true, tile: WinogradTile.F2x2);
        Conv3x3WinogradTests.CheckSimd(variant, 56, 56, 2, 150, relu: false, threads: 1, seed: 3607, inPlace: false, tile: WinogradTile.F2x2);
    }

    [Fact]
    public void PackedWeights_Are16ElementsPerPair()
    {
        float[] kernel = TestData.Uniform(9 * 64 * 96, 5), bias = TestData.Uniform(96, 6);
        using var packed = PackedWinograd3x3.Pack(kernel, bias, 64, 96, WinogradTile.F2x2);
        using var inPlace = PackedWinograd3x3.InPlace(kernel, bias, 64, 96, WinogradTile.F2x2);
        Assert.Equal(16, packed.Elements);
        Assert.Equal((16L * 3 * 64 * 32 + 96) * sizeof(float), packed.OwnBytes);
        Assert.Equal(96 * sizeof(float), inPlace.OwnBytes);
    }
}
