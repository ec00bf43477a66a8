using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Fully connected layer y = x·W + b (+ ReLU), W in Keras layout (Cin, Cout), read in place (it may be a
/// memory-mapped file). Driver: picks the widest accelerated body and splits the Cin rows of W into contiguous
/// bands, one task each, so every thread streams its own contiguous part of W exactly once per batch.
/// (Splitting over Cout instead makes each thread walk W with a 16 KB stride — a new page per row — which
/// measured several times slower.) Each band accumulates into its own (N, Cout) partial; the partials are
/// summed in band order, so the result does not depend on thread timing.
/// </summary>
public static class Dense
{
    /// <summary>Rows of W per band at least (smaller layers run as one band).</summary>
    private const int MinBandRows = 256;

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
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        int bands = Math.Clamp(inFeatures / MinBandRows, 1, 4 * workers);
        int rowsPerBand = (inFeatures + bands - 1) / bands;
        rowsPerBand = (rowsPerBand + 7) / 8 * 8; // whole row groups
        bands = (inFeatures + rowsPerBand - 1) / rowsPerBand;
        int per = batch * outFeatures;
        float[] partials = ArrayPool<float>.Shared.Rent(bands * per); // (bands, N, Cout)
        try
        {
            Array.Clear(partials, 0, bands * per);
            fixed (float* x = input) fixed (float* w = weights) fixed (float* parts = partials)
            {
                nint xp = (nint)x, wp = (nint)w, pp = (nint)parts;
                bool wide = Vector512.IsHardwareAccelerated;
                void Band(int b)
                {
                    int i0 = b * rowsPerBand, i1 = Math.Min(inFeatures, i0 + rowsPerBand);
                    float* partial = (float*)pp + (nint)b * per;
                    if (wide) DenseVector512.AccumulateBand((float*)xp, batch, inFeatures, (float*)wp, outFeatures, i0, i1, partial);
                    else DenseVector256.AccumulateBand((float*)xp, batch, inFeatures, (float*)wp, outFeatures, i0, i1, partial);
                }
                if (workers == 1 || bands == 1) { for (int b = 0; b < bands; b++) Band(b); }
                else Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = workers }, Band);
            }
            // y = b + Σ_band partial, in band order.
            for (int n = 0; n < batch; n++) bias.CopyTo(output.Slice(n * outFeatures, outFeatures));
            Span<float> y = output.Slice(0, per);
            for (int b = 0; b < bands; b++) TensorPrimitives.Add(y, partials.AsSpan(b * per, per), y);
            if (relu) Rectify(y);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>y = max(y, 0), NaN kept (as the oracle's "sum &lt; 0 ? 0 : sum").</summary>
    internal static void Rectify(Span<float> y)
    {
        foreach (ref float v in y) if (v < 0) v = 0;
    }

    /// <summary>Batch rows handled together by one chunk of a body, as a type so the JIT compiles each count separately.</summary>
    internal interface IBatchRows { static abstract int Count { get; } }
    internal readonly struct One : IBatchRows { public static int Count => 1; }
    internal readonly struct Two : IBatchRows { public static int Count => 2; }
    internal readonly struct Three : IBatchRows { public static int Count => 3; }
    internal readonly struct Four : IBatchRows { public static int Count => 4; }

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
