using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// The transposed conv for very few output channels (≤ 4): block1_conv1's transpose, 64 → 3, the last step of every
/// projection. Vectorizing over output channels would pad 3 to 16 or 32 lanes (most of the work on zeros); here the
/// vectors run over the input channels instead: per output pixel and output channel, 9 taps × Cin/V fused multiply-adds
/// into V-wide partial sums, one horizontal sum at the end. Needs Cin to be a multiple of V (64 is).
/// Same result as <see cref="ConvTranspose3x3Scalar"/> up to float summation order.
/// </summary>
public static class ConvTranspose3x3FewOutputs
{
    public const int MaxOutputs = 4;

    /// <summary>Whether this kernel serves a transposed op with these channel counts on this machine.</summary>
    public static bool Applies(int inChannels, int outChannels) =>
        outChannels <= MaxOutputs && (Vector512.IsHardwareAccelerated ? inChannels % 16 == 0 : Vector256.IsHardwareAccelerated && inChannels % 8 == 0);

    /// <summary>
    /// The flipped, channel-swapped kernel per output channel: (Cout, 3, 3, Cin), so one output channel's 9·Cin weights
    /// are contiguous. K'[co][ky][kx][ci] = K[2 - ky, 2 - kx, co, ci] in forward terms (co = forward input channel).
    /// </summary>
    public static float[] Pack(ReadOnlySpan<float> forwardKernel, int forwardInChannels, int forwardOutChannels)
    {
        int outs = forwardInChannels, ins = forwardOutChannels;
        var packed = new float[outs * 9 * ins];
        for (int o = 0; o < outs; o++)
        for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++)
        for (int i = 0; i < ins; i++)
            packed[((o * 3 + ky) * 3 + kx) * ins + i] = forwardKernel[(((2 - ky) * 3 + (2 - kx)) * outs + o) * ins + i];
        return packed;
    }

    /// <param name="input">(H, W, Cin).</param>
    /// <param name="packed">From <see cref="Pack"/>: (Cout, 3, 3, Cin).</param>
    /// <param name="output">(H, W, Cout), fully overwritten.</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int inChannels, float[] packed, int outChannels, Span<float> output, int threads = 0)
    {
        if (!Applies(inChannels, outChannels)) throw new ArgumentException($"conv-transpose3x3 (few outputs): not for {inChannels} → {outChannels} on this machine");
        if (packed.Length != outChannels * 9 * inChannels) throw new ArgumentException("conv-transpose3x3 (few outputs): packed kernel is not (Cout, 3, 3, Cin)");
        if (input.Length < height * width * inChannels || output.Length < height * width * outChannels) throw new ArgumentException("conv-transpose3x3 (few outputs): buffers too short");
        unsafe
        {
            fixed (float* inP = input) fixed (float* outP = output) fixed (float* wP = packed)
            {
                var job = new Job(inP, outP, wP, height, width, inChannels, outChannels);
                if (threads == 1 || height < 8) for (int y = 0; y < height; y++) job.Row(y);
                else Parallel.For(0, height, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 }, job.Row);
            }
        }
    }

    private sealed unsafe class Job(float* input, float* output, float* weights, int h, int w, int cin, int cout)
    {
        public void Row(int y)
        {
            for (int x = 0; x < w; x++)
            for (int o = 0; o < cout; o++)
                output[((long)y * w + x) * cout + o] = Vector512.IsHardwareAccelerated ? Dot512(y, x, o) : Dot256(y, x, o);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float Dot512(int y, int x, int o)
        {
            Vector512<float> a0 = default, a1 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int sx = x + kx - 1;
                    if ((uint)sx >= (uint)w) continue;
                    float* src = input + ((long)sy * w + sx) * cin;           // (Cin)
                    float* k = weights + ((o * 3 + ky) * 3 + kx) * cin;        // (Cin)
                    int i = 0;
                    for (; i + 32 <= cin; i += 32)
                    {
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src + i), Vector512.Load(k + i), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + i + 16), Vector512.Load(k + i + 16), a1);
                    }
                    if (i < cin) a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src + i), Vector512.Load(k + i), a0);
                }
            }
            return Vector512.Sum(a0 + a1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float Dot256(int y, int x, int o)
        {
            Vector256<float> a0 = default, a1 = default;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y + ky - 1;
                if ((uint)sy >= (uint)h) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int sx = x + kx - 1;
                    if ((uint)sx >= (uint)w) continue;
                    float* src = input + ((long)sy * w + sx) * cin;
                    float* k = weights + ((o * 3 + ky) * 3 + kx) * cin;
                    int i = 0;
                    for (; i + 16 <= cin; i += 16)
                    {
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Load(src + i), Vector256.Load(k + i), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Load(src + i + 8), Vector256.Load(k + i + 8), a1);
                    }
                    if (i < cin) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(src + i), Vector256.Load(k + i), a0);
                }
            }
            return Vector256.Sum(a0 + a1);
        }
    }
}
