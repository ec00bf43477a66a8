using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Fully connected layer y = x·W + b (+ ReLU), W in Keras layout (Cin, Cout), read in place (it may be a
/// memory-mapped file). Driver: picks the widest accelerated body and runs its column slices in parallel,
/// so each thread streams a disjoint part of W once per batch.
/// </summary>
public static class Dense
{
    /// <param name="input">(N, Cin).</param>
    /// <param name="weights">(Cin, Cout).</param>
    /// <param name="bias">(Cout).</param>
    /// <param name="output">(N, Cout).</param>
    public static void Run(ReadOnlySpan<float> input, int batch, int inFeatures, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, int outFeatures, Span<float> output, bool relu)
        => Run(input, batch, inFeatures, weights, bias, outFeatures, output, relu, threads: 0);

    /// <param name="threads">Worker threads; ≤ 0 means all cores.</param>
    public static unsafe void Run(ReadOnlySpan<float> input, int batch, int inFeatures, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, int outFeatures, Span<float> output, bool relu, int threads)
    {
        CheckLengths(input.Length, batch, inFeatures, weights.Length, bias.Length, outFeatures, output.Length);
        bool wide = Vector512.IsHardwareAccelerated;
        int slices = SliceCount(outFeatures, wide ? DenseVector512.SliceWidth : DenseVector256.SliceWidth);
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        fixed (float* x = input) fixed (float* w = weights) fixed (float* b = bias) fixed (float* y = output)
        {
            nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
            void Slice(int s)
            {
                if (wide) DenseVector512.Slice((float*)xp, batch, inFeatures, (float*)wp, (float*)bp, outFeatures, (float*)yp, relu, s);
                else DenseVector256.Slice((float*)xp, batch, inFeatures, (float*)wp, (float*)bp, outFeatures, (float*)yp, relu, s);
            }
            if (workers == 1 || slices == 1) { for (int s = 0; s < slices; s++) Slice(s); }
            else Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = workers }, Slice);
        }
    }

    internal static int SliceCount(int outFeatures, int sliceWidth) => Math.Max(1, (outFeatures + sliceWidth - 1) / sliceWidth);

    /// <summary>All columns, plain loops, for layers narrower than one vector.</summary>
    internal static unsafe void ScalarSlice(float* input, int batch, int inFeatures, float* weights, float* bias, int outFeatures,
        float* output, bool relu)
    {
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < outFeatures; o++)
        {
            float sum = bias[o];
            for (int i = 0; i < inFeatures; i++) sum += input[(nint)n * inFeatures + i] * weights[(nint)i * outFeatures + o];
            output[(nint)n * outFeatures + o] = relu && sum < 0 ? 0 : sum;
        }
    }

    internal static void CheckLengths(int inputLength, int batch, int inFeatures, int weightsLength, int biasLength, int outFeatures, int outputLength)
    {
        if (batch <= 0 || inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"dense: sizes must be positive (N={batch}, Cin={inFeatures}, Cout={outFeatures})");
        if (weightsLength != (long)inFeatures * outFeatures) throw new ArgumentException("dense: weights are not (Cin, Cout)");
        if (biasLength != outFeatures) throw new ArgumentException("dense: bias is not (Cout)");
        if (inputLength < (long)batch * inFeatures) throw new ArgumentException("dense: input shorter than (N, Cin)");
        if (outputLength < (long)batch * outFeatures) throw new ArgumentException("dense: output shorter than (N, Cout)");
    }
}
