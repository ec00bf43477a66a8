using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Register-blocked direct convolution, Vector256 microkernel for AVX2 machines (16 ymm registers):
/// 6 output pixels × 16 output channels = 12 accumulators (+ 2 weights + 1 broadcast), run once per half
/// of the 32-wide packed block. Same loop order as <see cref="Conv3x3Vector512"/>: the 9·Cin reduction stays in registers.
/// </summary>
public readonly struct Conv3x3Vector256 : IConv3x3Microkernel
{
    public static int TilePixels => 6;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    /// <summary>Runs the whole convolution with this microkernel (tests call it directly).</summary>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu = true, int threads = 0)
        => Conv3x3.Run<Conv3x3Vector256>(input, height, width, conv, output, relu, threads);

    public static unsafe void Tile(float* input, nint inputRowStride, nint inChannels, float* weights, float* bias,
        float* output, nint outputPixelStride, bool relu)
    {
        HalfTile(input, inputRowStride, inChannels, weights, bias, output, outputPixelStride, relu);
        HalfTile(input, inputRowStride, inChannels, weights + 16, bias + 16, output + 16, outputPixelStride, relu);
    }

    /// <summary>6 pixels × the 16 channels at <paramref name="weights"/> (packed rows are still 32 wide).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HalfTile(float* input, nint inputRowStride, nint inChannels, float* weights, float* bias,
        float* output, nint outputPixelStride, bool relu)
    {
        Vector256<float> bias0 = Vector256.Load(bias), bias1 = Vector256.Load(bias + 8);
        Vector256<float> a00 = bias0, a01 = bias1;
        Vector256<float> a10 = bias0, a11 = bias1;
        Vector256<float> a20 = bias0, a21 = bias1;
        Vector256<float> a30 = bias0, a31 = bias1;
        Vector256<float> a40 = bias0, a41 = bias1;
        Vector256<float> a50 = bias0, a51 = bias1;
        nint c = inChannels;
        float* w = weights;
        // For one ky, the (kx, ci) pairs are contiguous both in the padded input row (three neighbouring pixels of
        // Cin values) and in the packed weights, so kx and ci run as one loop of 3·Cin steps.
        for (int ky = 0; ky < 3; ky++)
        {
            float* p0 = input + ky * inputRowStride;
            float* p1 = p0 + 3 * c;
            float* end = w + 3 * c * 32;
            for (; w < end; w += 32)
            {
                Vector256<float> w0 = Vector256.Load(w), w1 = Vector256.Load(w + 8), x;
                x = Vector256.Create(*p0); a00 = Vector256.FusedMultiplyAdd(x, w0, a00); a01 = Vector256.FusedMultiplyAdd(x, w1, a01);
                x = Vector256.Create(p0[c]); a10 = Vector256.FusedMultiplyAdd(x, w0, a10); a11 = Vector256.FusedMultiplyAdd(x, w1, a11);
                x = Vector256.Create(p0[2 * c]); a20 = Vector256.FusedMultiplyAdd(x, w0, a20); a21 = Vector256.FusedMultiplyAdd(x, w1, a21);
                x = Vector256.Create(*p1); a30 = Vector256.FusedMultiplyAdd(x, w0, a30); a31 = Vector256.FusedMultiplyAdd(x, w1, a31);
                x = Vector256.Create(p1[c]); a40 = Vector256.FusedMultiplyAdd(x, w0, a40); a41 = Vector256.FusedMultiplyAdd(x, w1, a41);
                x = Vector256.Create(p1[2 * c]); a50 = Vector256.FusedMultiplyAdd(x, w0, a50); a51 = Vector256.FusedMultiplyAdd(x, w1, a51);
                p0++; p1++;
            }
        }
        if (relu)
        {
            a00 = Vector256.Max(a00, Vector256<float>.Zero); a01 = Vector256.Max(a01, Vector256<float>.Zero);
            a10 = Vector256.Max(a10, Vector256<float>.Zero); a11 = Vector256.Max(a11, Vector256<float>.Zero);
            a20 = Vector256.Max(a20, Vector256<float>.Zero); a21 = Vector256.Max(a21, Vector256<float>.Zero);
            a30 = Vector256.Max(a30, Vector256<float>.Zero); a31 = Vector256.Max(a31, Vector256<float>.Zero);
            a40 = Vector256.Max(a40, Vector256<float>.Zero); a41 = Vector256.Max(a41, Vector256<float>.Zero);
            a50 = Vector256.Max(a50, Vector256<float>.Zero); a51 = Vector256.Max(a51, Vector256<float>.Zero);
        }
        nint s = outputPixelStride;
        a00.Store(output + 0 * s); a01.Store(output + 0 * s + 8);
        a10.Store(output + 1 * s); a11.Store(output + 1 * s + 8);
        a20.Store(output + 2 * s); a21.Store(output + 2 * s + 8);
        a30.Store(output + 3 * s); a31.Store(output + 3 * s + 8);
        a40.Store(output + 4 * s); a41.Store(output + 4 * s + 8);
        a50.Store(output + 5 * s); a51.Store(output + 5 * s + 8);
    }
}
