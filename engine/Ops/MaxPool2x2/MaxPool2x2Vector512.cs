using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// 2×2 max pool with switches, Vector512 over channels: for 16 channels at once, compare the four candidates
/// in row-major order with a strict '>' (so ties keep the first, exactly like <see cref="MaxPool2x2Scalar"/>)
/// and select the winner's flat index y*W + x alongside its value.
/// A channel count that is not a multiple of 16 ends with a vector overlapping the previous one; fewer than
/// 16 channels fall to <see cref="MaxPool2x2Vector256"/>.
/// </summary>
public static class MaxPool2x2Vector512
{
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <param name="input">(H, W, C).</param>
    /// <param name="output">(H/2, W/2, C).</param>
    /// <param name="switches">(H/2, W/2, C).</param>
    public static unsafe void Run(ReadOnlySpan<float> input, int height, int width, int channels, Span<float> output, Span<int> switches)
    {
        MaxPool2x2.CheckLengths(input.Length, height, width, channels, output.Length, switches.Length);
        fixed (float* i = input) fixed (float* o = output) fixed (int* s = switches)
            for (int oy = 0; oy < height / 2; oy++) Row(i, height, width, channels, (nint)width * channels, oy, o, (nint)(width / 2) * channels, s);
    }

    /// <summary>
    /// One output row. Input rows are <paramref name="inputRowStride"/> and output rows <paramref name="outputRowStride"/>
    /// floats apart (the engine's padded buffers); switches are always dense (H/2, W/2, C).
    /// </summary>
    internal static unsafe void Row(float* input, int height, int width, int channels, nint inputRowStride, int oy,
        float* output, nint outputRowStride, int* switches)
    {
        if (channels < 16) { MaxPool2x2Vector256.Row(input, height, width, channels, inputRowStride, oy, output, outputRowStride, switches); return; }
        int outW = width / 2;
        for (int ox = 0; ox < outW; ox++)
        {
            int y = 2 * oy, x = 2 * ox;
            float* top = input + y * inputRowStride + (nint)x * channels; // (2, C): candidates 0 and 1
            float* bottom = top + inputRowStride;                          // (2, C): candidates 2 and 3
            nint o = oy * outputRowStride + (nint)ox * channels, so = ((nint)oy * outW + ox) * channels;
            var index0 = Vector512.Create(y * width + x);
            var index1 = Vector512.Create(y * width + x + 1);
            var index2 = Vector512.Create((y + 1) * width + x);
            var index3 = Vector512.Create((y + 1) * width + x + 1);
            for (int c0 = 0; c0 < channels; c0 += 16)
            {
                int c = Math.Min(c0, channels - 16);
                Vector512<float> best = Vector512.Load(top + c);
                Vector512<int> index = index0;
                Vector512<float> v = Vector512.Load(top + channels + c);
                Vector512<float> better = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(better, v, best); index = Vector512.ConditionalSelect(better.AsInt32(), index1, index);
                v = Vector512.Load(bottom + c);
                better = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(better, v, best); index = Vector512.ConditionalSelect(better.AsInt32(), index2, index);
                v = Vector512.Load(bottom + channels + c);
                better = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(better, v, best); index = Vector512.ConditionalSelect(better.AsInt32(), index3, index);
                best.Store(output + o + c);
                index.Store(switches + so + c);
            }
        }
    }
}
