using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// 2×2 max pool, stride 2, 'valid', with switches (flat index y*W + x of the max in its channel's input plane,
/// ties → first in row-major order). Driver: picks the widest accelerated width, output rows in parallel.
/// </summary>
public static class MaxPool2x2
{
    /// <param name="input">(H, W, C).</param>
    /// <param name="output">(H/2, W/2, C).</param>
    /// <param name="switches">(H/2, W/2, C).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int channels, Span<float> output, Span<int> switches)
        => Run(input, height, width, channels, output, switches, threads: 0);

    /// <param name="threads">Worker threads; ≤ 0 means all cores.</param>
    public static unsafe void Run(ReadOnlySpan<float> input, int height, int width, int channels, Span<float> output, Span<int> switches, int threads)
    {
        CheckLengths(input.Length, height, width, channels, output.Length, switches.Length);
        nint outRow = (nint)(width / 2) * channels;
        fixed (float* i = input) fixed (float* o = output) fixed (int* s = switches)
            RunStrided(i, 0, (nint)width * channels, 1, height, width, channels, o, 0, outRow, s, threads);
    }

    /// <summary>
    /// A batch of images with strided rows (the engine's padded buffers).
    /// </summary>
    /// <param name="input">(N, H, W, C): rows <paramref name="inputRowStride"/>, images <paramref name="inputImageStride"/> floats apart.</param>
    /// <param name="output">(N, H/2, W/2, C): rows <paramref name="outputRowStride"/>, images <paramref name="outputImageStride"/> floats apart.</param>
    /// <param name="switches">(N, H/2, W/2, C), dense.</param>
    internal static unsafe void RunStrided(float* input, nint inputImageStride, nint inputRowStride, int images, int height, int width, int channels,
        float* output, nint outputImageStride, nint outputRowStride, int* switches, int threads)
    {
        int outH = height / 2;
        nint switchesImageStride = (nint)outH * (width / 2) * channels;
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        nint i = (nint)input, o = (nint)output, s = (nint)switches;
        void Task(int t)
        {
            int image = t / outH, oy = t % outH;
            Row((float*)i + image * inputImageStride, height, width, channels, inputRowStride, oy,
                (float*)o + image * outputImageStride, outputRowStride, (int*)s + image * switchesImageStride);
        }
        int tasks = images * outH;
        if (workers == 1 || tasks == 1) { for (int t = 0; t < tasks; t++) Task(t); return; }
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = workers }, Task);
    }

    private static unsafe void Row(float* input, int height, int width, int channels, nint inputRowStride, int oy,
        float* output, nint outputRowStride, int* switches)
    {
        if (Vector512.IsHardwareAccelerated) MaxPool2x2Vector512.Row(input, height, width, channels, inputRowStride, oy, output, outputRowStride, switches);
        else MaxPool2x2Vector256.Row(input, height, width, channels, inputRowStride, oy, output, outputRowStride, switches);
    }

    /// <summary>Scalar row for channel counts below one vector (same rule as the oracle).</summary>
    internal static unsafe void ScalarRow(float* input, int width, int channels, nint inputRowStride, int oy,
        float* output, nint outputRowStride, int* switches)
    {
        int outW = width / 2;
        for (int ox = 0; ox < outW; ox++)
        for (int c = 0; c < channels; c++)
        {
            int bestIndex = -1;
            float best = float.NegativeInfinity;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int y = oy * 2 + dy, x = ox * 2 + dx;
                float v = input[y * inputRowStride + (nint)x * channels + c];
                if (bestIndex < 0 || v > best) { best = v; bestIndex = y * width + x; }
            }
            output[oy * outputRowStride + (nint)ox * channels + c] = best;
            switches[((nint)oy * outW + ox) * channels + c] = bestIndex;
        }
    }

    internal static void CheckLengths(int inputLength, int height, int width, int channels, int outputLength, int switchesLength)
    {
        if (height < 2 || width < 2 || channels <= 0)
            throw new ArgumentException($"maxpool2x2: input {height}×{width}×{channels} is smaller than 2×2×1");
        long outCount = (long)(height / 2) * (width / 2) * channels;
        if (inputLength < (long)height * width * channels) throw new ArgumentException("maxpool2x2: input shorter than (H, W, C)");
        if (outputLength < outCount || switchesLength < outCount) throw new ArgumentException("maxpool2x2: output or switches shorter than (H/2, W/2, C)");
    }
}
