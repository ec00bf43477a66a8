using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// The transposed 3×3 conv to very few output channels (block1_conv1's transpose: 64 → 3, back to the image) on a
/// zero-padded input, without bias or ReLU. The register-blocked <see cref="Conv3x3"/> pads 3 output channels to a
/// 32-wide block (10× the work); here each output value is a dot product of 3 rows × 3·Cin contiguous values (the
/// three neighbouring pixels of one padded row are contiguous, and so are the matching weights of
/// <see cref="PackedConvTranspose3x3.FewChannels"/>). 4 pixels × 3 output channels = 12 vector accumulators; each
/// step loads 3 weight vectors and 4 input vectors for 12 FMAs, and every accumulator is summed across lanes once at
/// the end. Needs exactly 3 output channels and 3·Cin a multiple of the vector width (else callers use Conv3x3).
/// </summary>
public static class ConvTranspose3x3ToFewChannels
{
    /// <summary>Output channels this kernel computes.</summary>
    public const int Channels = 3;
    private const int Pixels = 4;

    /// <summary>Whether the kernel runs for this packed op on this machine.</summary>
    public static bool Supports(PackedConvTranspose3x3 packed) =>
        packed.FewChannels is not null && packed.OutChannels == Channels &&
        (Vector512.IsHardwareAccelerated && 3 * packed.InChannels % Vector512<float>.Count == 0 ||
         Vector256.IsHardwareAccelerated && 3 * packed.InChannels % Vector256<float>.Count == 0);

    /// <param name="padded">(H + 2, ≥ W + 2, Cin) with a zero border, rows <paramref name="paddedRowStride"/> floats apart; points at the border's corner.</param>
    /// <param name="output">(H, W, 3), dense, fully overwritten.</param>
    internal static unsafe void Run(float* padded, nint paddedRowStride, int height, int width, PackedConvTranspose3x3 packed, float* output, int threads)
    {
        if (!Supports(packed)) throw new ArgumentException("conv-transpose3x3 to few channels: needs 3 output channels and 3·Cin a multiple of the vector width");
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        int bands = Math.Min(height, 4 * workers), rowsPerBand = (height + bands - 1) / bands;
        bands = (height + rowsPerBand - 1) / rowsPerBand;
        nint pad = (nint)padded, outp = (nint)output;
        var weights = packed.FewChannels!;
        int cin = packed.InChannels;
        bool wide = Vector512.IsHardwareAccelerated && 3 * cin % Vector512<float>.Count == 0;
        void Band(int band)
        {
            fixed (float* w = weights)
            {
                int y1 = Math.Min(height, (band + 1) * rowsPerBand);
                for (int y = band * rowsPerBand; y < y1; y++)
                {
                    float* inRow = (float*)pad + y * paddedRowStride;
                    float* outRow = (float*)outp + (nint)y * width * Channels;
                    if (wide) Row512(inRow, paddedRowStride, cin, width, w, outRow);
                    else Row256(inRow, paddedRowStride, cin, width, w, outRow);
                }
            }
        }
        if (workers == 1 || bands == 1) for (int b = 0; b < bands; b++) Band(b);
        else Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = workers }, Band);
    }

    /// <param name="inRow">Padded row y (image row y - 1), at the left border pixel.</param>
    /// <param name="w">(3 output channels, 3 ky, 3·Cin).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Row512(float* inRow, nint rowStride, int cin, int width, float* w, float* outRow)
    {
        int run = 3 * cin, step = Vector512<float>.Count;
        nint plane = 3 * run; // one output channel's weights
        int x = 0;
        for (; x + Pixels <= width; x += Pixels)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                float* p = inRow + ky * rowStride + (nint)x * cin; // 3 neighbouring pixels of pixel x: 3·Cin contiguous
                float* k = w + ky * run;
                for (int i = 0; i < run; i += step)
                {
                    var k0 = Vector512.Load(k + i); var k1 = Vector512.Load(k + plane + i); var k2 = Vector512.Load(k + 2 * plane + i);
                    var v = Vector512.Load(p + i);
                    a00 = Vector512.FusedMultiplyAdd(v, k0, a00); a01 = Vector512.FusedMultiplyAdd(v, k1, a01); a02 = Vector512.FusedMultiplyAdd(v, k2, a02);
                    v = Vector512.Load(p + cin + i);
                    a10 = Vector512.FusedMultiplyAdd(v, k0, a10); a11 = Vector512.FusedMultiplyAdd(v, k1, a11); a12 = Vector512.FusedMultiplyAdd(v, k2, a12);
                    v = Vector512.Load(p + 2 * cin + i);
                    a20 = Vector512.FusedMultiplyAdd(v, k0, a20); a21 = Vector512.FusedMultiplyAdd(v, k1, a21); a22 = Vector512.FusedMultiplyAdd(v, k2, a22);
                    v = Vector512.Load(p + 3 * cin + i);
                    a30 = Vector512.FusedMultiplyAdd(v, k0, a30); a31 = Vector512.FusedMultiplyAdd(v, k1, a31); a32 = Vector512.FusedMultiplyAdd(v, k2, a32);
                }
            }
            float* o = outRow + x * Channels;
            o[0] = Vector512.Sum(a00); o[1] = Vector512.Sum(a01); o[2] = Vector512.Sum(a02);
            o[3] = Vector512.Sum(a10); o[4] = Vector512.Sum(a11); o[5] = Vector512.Sum(a12);
            o[6] = Vector512.Sum(a20); o[7] = Vector512.Sum(a21); o[8] = Vector512.Sum(a22);
            o[9] = Vector512.Sum(a30); o[10] = Vector512.Sum(a31); o[11] = Vector512.Sum(a32);
        }
        for (; x < width; x++) // the last width % 4 pixels
        {
            Vector512<float> a0 = default, a1 = default, a2 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                float* p = inRow + ky * rowStride + (nint)x * cin;
                float* k = w + ky * run;
                for (int i = 0; i < run; i += step)
                {
                    var v = Vector512.Load(p + i);
                    a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(k + i), a0);
                    a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(k + plane + i), a1);
                    a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(k + 2 * plane + i), a2);
                }
            }
            float* o = outRow + x * Channels;
            o[0] = Vector512.Sum(a0); o[1] = Vector512.Sum(a1); o[2] = Vector512.Sum(a2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Row256(float* inRow, nint rowStride, int cin, int width, float* w, float* outRow)
    {
        int run = 3 * cin, step = Vector256<float>.Count;
        nint plane = 3 * run;
        int x = 0;
        for (; x + Pixels <= width; x += Pixels)
        {
            Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
            Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                float* p = inRow + ky * rowStride + (nint)x * cin;
                float* k = w + ky * run;
                for (int i = 0; i < run; i += step)
                {
                    var k0 = Vector256.Load(k + i); var k1 = Vector256.Load(k + plane + i); var k2 = Vector256.Load(k + 2 * plane + i);
                    var v = Vector256.Load(p + i);
                    a00 = Vector256.FusedMultiplyAdd(v, k0, a00); a01 = Vector256.FusedMultiplyAdd(v, k1, a01); a02 = Vector256.FusedMultiplyAdd(v, k2, a02);
                    v = Vector256.Load(p + cin + i);
                    a10 = Vector256.FusedMultiplyAdd(v, k0, a10); a11 = Vector256.FusedMultiplyAdd(v, k1, a11); a12 = Vector256.FusedMultiplyAdd(v, k2, a12);
                    v = Vector256.Load(p + 2 * cin + i);
                    a20 = Vector256.FusedMultiplyAdd(v, k0, a20); a21 = Vector256.FusedMultiplyAdd(v, k1, a21); a22 = Vector256.FusedMultiplyAdd(v, k2, a22);
                    v = Vector256.Load(p + 3 * cin + i);
                    a30 = Vector256.FusedMultiplyAdd(v, k0, a30); a31 = Vector256.FusedMultiplyAdd(v, k1, a31); a32 = Vector256.FusedMultiplyAdd(v, k2, a32);
                }
            }
            float* o = outRow + x * Channels;
            o[0] = Vector256.Sum(a00); o[1] = Vector256.Sum(a01); o[2] = Vector256.Sum(a02);
            o[3] = Vector256.Sum(a10); o[4] = Vector256.Sum(a11); o[5] = Vector256.Sum(a12);
            o[6] = Vector256.Sum(a20); o[7] = Vector256.Sum(a21); o[8] = Vector256.Sum(a22);
            o[9] = Vector256.Sum(a30); o[10] = Vector256.Sum(a31); o[11] = Vector256.Sum(a32);
        }
        for (; x < width; x++)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                float* p = inRow + ky * rowStride + (nint)x * cin;
                float* k = w + ky * run;
                for (int i = 0; i < run; i += step)
                {
                    var v = Vector256.Load(p + i);
                    a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(k + i), a0);
                    a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(k + plane + i), a1);
                    a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(k + 2 * plane + i), a2);
                }
            }
            float* o = outRow + x * Channels;
            o[0] = Vector256.Sum(a0); o[1] = Vector256.Sum(a1); o[2] = Vector256.Sum(a2);
        }
    }
}
