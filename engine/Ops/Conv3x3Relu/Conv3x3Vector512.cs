using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Register-blocked direct convolution, Vector512 microkernel: 14 output pixels of one row × 32 output channels
/// = 28 zmm accumulators (+ 2 weight registers + 1 broadcast = 31 of the 32 AVX-512 registers).
/// For every (ky, kx, ci) it loads the 32 packed weights once (two vectors) and, for each of the 14 pixels,
/// broadcasts that pixel's input value and does two FMAs: 28 FMAs per 2 weight loads + 14 broadcasts.
/// The accumulators live in registers for the whole 9·Cin reduction; bias is the initial value, ReLU is a
/// max with zero just before the single store. 14 divides every VGG16 row width at 224×224 (224, 112, 56, 28, 14).
/// </summary>
public readonly struct Conv3x3Vector512 : IConv3x3Microkernel
{
    public static int TilePixels => 14;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>Runs the whole convolution with this microkernel (tests call it directly).</summary>
    public static void Run(ReadOnlySpan<float> input, int height, int width, PackedConv3x3 conv, Span<float> output, bool relu = true, int threads = 0)
        => Conv3x3.Run<Conv3x3Vector512>(input, height, width, conv, output, relu, threads);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(float* input, nint inputRowStride, nint inChannels, float* weights, float* bias,
        float* output, nint outputPixelStride, bool relu)
    {
        // input: padded (.., .., Cin) at the tile's top-left neighbour (y-1, x0-1); weights: (3, 3, Cin, 32); output: 14 pixels × 32.
        Vector512<float> bias0 = Vector512.Load(bias), bias1 = Vector512.Load(bias + 16);
        Vector512<float> a00 = bias0, a01 = bias1;
        Vector512<float> a10 = bias0, a11 = bias1;
        Vector512<float> a20 = bias0, a21 = bias1;
        Vector512<float> a30 = bias0, a31 = bias1;
        Vector512<float> a40 = bias0, a41 = bias1;
        Vector512<float> a50 = bias0, a51 = bias1;
        Vector512<float> a60 = bias0, a61 = bias1;
        Vector512<float> a70 = bias0, a71 = bias1;
        Vector512<float> a80 = bias0, a81 = bias1;
        Vector512<float> a90 = bias0, a91 = bias1;
        Vector512<float> a100 = bias0, a101 = bias1;
        Vector512<float> a110 = bias0, a111 = bias1;
        Vector512<float> a120 = bias0, a121 = bias1;
        Vector512<float> a130 = bias0, a131 = bias1;
        nint c = inChannels;
        float* w = weights;
        // For one ky, the (kx, ci) pairs are contiguous both in the padded input row (three neighbouring pixels of
        // Cin values) and in the packed weights, so kx and ci run as one loop of 3·Cin steps.
        for (int ky = 0; ky < 3; ky++)
        {
            // Five base pointers, three pixels each (p, p + Cin, p + 2·Cin fit x86 addressing), so no per-pixel multiplies.
            float* p0 = input + ky * inputRowStride;
            float* p1 = p0 + 3 * c;
            float* p2 = p0 + 6 * c;
            float* p3 = p0 + 9 * c;
            float* p4 = p0 + 12 * c;
            float* end = w + 3 * c * 32;
            for (; w < end; w += 32)
            {
                Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + 16), x;
                x = Vector512.Create(*p0); a00 = Vector512.FusedMultiplyAdd(x, w0, a00); a01 = Vector512.FusedMultiplyAdd(x, w1, a01);
                x = Vector512.Create(p0[c]); a10 = Vector512.FusedMultiplyAdd(x, w0, a10); a11 = Vector512.FusedMultiplyAdd(x, w1, a11);
                x = Vector512.Create(p0[2 * c]); a20 = Vector512.FusedMultiplyAdd(x, w0, a20); a21 = Vector512.FusedMultiplyAdd(x, w1, a21);
                x = Vector512.Create(*p1); a30 = Vector512.FusedMultiplyAdd(x, w0, a30); a31 = Vector512.FusedMultiplyAdd(x, w1, a31);
                x = Vector512.Create(p1[c]); a40 = Vector512.FusedMultiplyAdd(x, w0, a40); a41 = Vector512.FusedMultiplyAdd(x, w1, a41);
                x = Vector512.Create(p1[2 * c]); a50 = Vector512.FusedMultiplyAdd(x, w0, a50); a51 = Vector512.FusedMultiplyAdd(x, w1, a51);
                x = Vector512.Create(*p2); a60 = Vector512.FusedMultiplyAdd(x, w0, a60); a61 = Vector512.FusedMultiplyAdd(x, w1, a61);
                x = Vector512.Create(p2[c]); a70 = Vector512.FusedMultiplyAdd(x, w0, a70); a71 = Vector512.FusedMultiplyAdd(x, w1, a71);
                x = Vector512.Create(p2[2 * c]); a80 = Vector512.FusedMultiplyAdd(x, w0, a80); a81 = Vector512.FusedMultiplyAdd(x, w1, a81);
                x = Vector512.Create(*p3); a90 = Vector512.FusedMultiplyAdd(x, w0, a90); a91 = Vector512.FusedMultiplyAdd(x, w1, a91);
                x = Vector512.Create(p3[c]); a100 = Vector512.FusedMultiplyAdd(x, w0, a100); a101 = Vector512.FusedMultiplyAdd(x, w1, a101);
                x = Vector512.Create(p3[2 * c]); a110 = Vector512.FusedMultiplyAdd(x, w0, a110); a111 = Vector512.FusedMultiplyAdd(x, w1, a111);
                x = Vector512.Create(*p4); a120 = Vector512.FusedMultiplyAdd(x, w0, a120); a121 = Vector512.FusedMultiplyAdd(x, w1, a121);
                x = Vector512.Create(p4[c]); a130 = Vector512.FusedMultiplyAdd(x, w0, a130); a131 = Vector512.FusedMultiplyAdd(x, w1, a131);
                p0++; p1++; p2++; p3++; p4++;
            }
        }
        if (relu)
        {
            a00 = Vector512.Max(a00, Vector512<float>.Zero); a01 = Vector512.Max(a01, Vector512<float>.Zero);
            a10 = Vector512.Max(a10, Vector512<float>.Zero); a11 = Vector512.Max(a11, Vector512<float>.Zero);
            a20 = Vector512.Max(a20, Vector512<float>.Zero); a21 = Vector512.Max(a21, Vector512<float>.Zero);
            a30 = Vector512.Max(a30, Vector512<float>.Zero); a31 = Vector512.Max(a31, Vector512<float>.Zero);
            a40 = Vector512.Max(a40, Vector512<float>.Zero); a41 = Vector512.Max(a41, Vector512<float>.Zero);
            a50 = Vector512.Max(a50, Vector512<float>.Zero); a51 = Vector512.Max(a51, Vector512<float>.Zero);
            a60 = Vector512.Max(a60, Vector512<float>.Zero); a61 = Vector512.Max(a61, Vector512<float>.Zero);
            a70 = Vector512.Max(a70, Vector512<float>.Zero); a71 = Vector512.Max(a71, Vector512<float>.Zero);
            a80 = Vector512.Max(a80, Vector512<float>.Zero); a81 = Vector512.Max(a81, Vector512<float>.Zero);
            a90 = Vector512.Max(a90, Vector512<float>.Zero); a91 = Vector512.Max(a91, Vector512<float>.Zero);
            a100 = Vector512.Max(a100, Vector512<float>.Zero); a101 = Vector512.Max(a101, Vector512<float>.Zero);
            a110 = Vector512.Max(a110, Vector512<float>.Zero); a111 = Vector512.Max(a111, Vector512<float>.Zero);
            a120 = Vector512.Max(a120, Vector512<float>.Zero); a121 = Vector512.Max(a121, Vector512<float>.Zero);
            a130 = Vector512.Max(a130, Vector512<float>.Zero); a131 = Vector512.Max(a131, Vector512<float>.Zero);
        }
        nint s = outputPixelStride;
        a00.Store(output + 0 * s); a01.Store(output + 0 * s + 16);
        a10.Store(output + 1 * s); a11.Store(output + 1 * s + 16);
        a20.Store(output + 2 * s); a21.Store(output + 2 * s + 16);
        a30.Store(output + 3 * s); a31.Store(output + 3 * s + 16);
        a40.Store(output + 4 * s); a41.Store(output + 4 * s + 16);
        a50.Store(output + 5 * s); a51.Store(output + 5 * s + 16);
        a60.Store(output + 6 * s); a61.Store(output + 6 * s + 16);
        a70.Store(output + 7 * s); a71.Store(output + 7 * s + 16);
        a80.Store(output + 8 * s); a81.Store(output + 8 * s + 16);
        a90.Store(output + 9 * s); a91.Store(output + 9 * s + 16);
        a100.Store(output + 10 * s); a101.Store(output + 10 * s + 16);
        a110.Store(output + 11 * s); a111.Store(output + 11 * s + 16);
        a120.Store(output + 12 * s); a121.Store(output + 12 * s + 16);
        a130.Store(output + 13 * s); a131.Store(output + 13 * s + 16);
    }
}
