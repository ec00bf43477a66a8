using CnnEngine.Ops;
using CnnEngine.TestSupport;
using System.Runtime.Intrinsics;

namespace CnnEngine.Deconv.Tests.Ops;

/// <summary>
/// The ops of the whole-map padded descent against the scalar oracles: the 64 → 3 last step
/// (<see cref="ConvTranspose3x3ToFewChannels"/>) and unpooling between padded layouts (<see cref="Unpool2x2Strided"/>).
/// </summary>
public class PaddedDescentOpsTests
{
    public static IEnumerable<object[]> FewChannelSizes()
    {
        // (H, W, transposed input channels): widths around the 4-pixel group and below the 14-pixel padded minimum;
        // 3·C a multiple of 16 (Vector512 body) or only of 8 (Vector256 body).
        foreach (var (h, w) in new[] { (1, 1), (2, 3), (3, 5), (5, 17), (4, 20) })
            foreach (int c in new[] { 8, 16, 24, 64 })
                yield return new object[] { h, w, c };
    }

    [SkippableTheory, MemberData(nameof(FewChannelSizes))]
    public unsafe void FewChannelsMatchesTheOracle(int h, int w, int c)
    {
        var input = TestData.Normal(h * w * c, 3 + h * w + c);     // (H, W, C): signal at block1_conv1's output
        var kernel = TestData.Normal(9 * 3 * c, 4 + c);              // (3, 3, 3, C): the forward layer's kernel
        var expected = new float[h * w * 3];                         // (H, W, 3)
        ConvTranspose3x3Scalar.Run(input, h, w, c, kernel, 3, expected);

        using var packed = PackedConvTranspose3x3.Pack(kernel, 3, c);
        Skip.IfNot(ConvTranspose3x3ToFewChannels.Supports(packed), "no Vector256/Vector512 body for this channel count on this machine");
        int paddedWidth = Conv3x3.PaddedWidth(w);
        var padded = new float[(h + 2) * paddedWidth * c];           // (H + 2, paddedWidth, C), zero border
        for (int y = 0; y < h; y++) input.AsSpan(y * w * c, w * c).CopyTo(padded.AsSpan(((y + 1) * paddedWidth + 1) * c));
        var actual = Enumerable.Repeat(float.NaN, h * w * 3).ToArray();
        fixed (float* p = padded) fixed (float* o = actual)
            ConvTranspose3x3ToFewChannels.Run(p, (nint)paddedWidth * c, h, w, packed, o, threads: 2);
        Compare.AssertClose(expected, actual, 1e-5, $"{h}×{w}×{c}");
    }

    [Fact]
    public void FewChannelsIsNotUsedWhereItCannotRun()
    {
        using var fiveIn = PackedConvTranspose3x3.Pack(TestData.Normal(9 * 3 * 5, 1), 3, 5);  // 3·5 = 15 values per row: no whole vectors
        Assert.False(ConvTranspose3x3ToFewChannels.Supports(fiveIn));
        using var fourOut = PackedConvTranspose3x3.Pack(TestData.Normal(9 * 4 * 16, 2), 4, 16); // 4 output channels
        Assert.False(ConvTranspose3x3ToFewChannels.Supports(fourOut));
    }

    public static IEnumerable<object[]> UnpoolSizes()
    {
        foreach (var (h, w) in new[] { (2, 2), (3, 5), (7, 6), (64, 66) })
            for (int c = 1; c <= 17; c++) yield return new object[] { h, w, c };
        yield return new object[] { 129, 130, 17 }; // large enough to be split into row bands over threads; odd height
    }

    [Theory, MemberData(nameof(UnpoolSizes))]
    public unsafe void StridedUnpoolMatchesTheOracle(int h, int w, int c)
    {
        var (pooled, switches) = TestData.Pool(h, w, c, 7 + h + c);
        var expected = new float[h * w * c];
        Unpool2x2Scalar.Run(pooled, switches, h, w, c, expected);

        int ph = h / 2, pw = w / 2;
        nint pooledRow = (pw + 3) * c, unpooledRow = (w + 2) * c;  // strided: rows longer than the image
        var pooledStrided = new float[ph * pooledRow];
        for (int y = 0; y < ph; y++) pooled.AsSpan(y * pw * c, pw * c).CopyTo(pooledStrided.AsSpan((int)(y * pooledRow)));
        var actual = Enumerable.Repeat(float.NaN, (int)(h * unpooledRow)).ToArray();
        fixed (float* p = pooledStrided) fixed (int* s = switches) fixed (float* u = actual)
            Unpool2x2Strided.Run(p, pooledRow, s, h, w, c, u, unpooledRow, threads: 2);
        for (int y = 0; y < h; y++)
        {
            Assert.Equal(expected.AsSpan(y * w * c, w * c).ToArray(), actual.AsSpan((int)(y * unpooledRow), w * c).ToArray());
            Assert.True(actual.AsSpan((int)(y * unpooledRow) + w * c, 2 * c).ToArray().All(float.IsNaN), "wrote outside the row");
        }
    }
}
