using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Fully connected layer, Vector256 body. For batch 1 the layer is memory-bound (fc1 alone is 411 MB of
/// weights), so the kernel streams the Keras-layout (Cin, Cout) weights exactly once per group of up to 8
/// batch rows: for one 16-column slice it walks down all Cin rows, loading two weight vectors per row and doing
/// one FMA per batch row with that row's broadcast input. The driver runs the 16-column slices in parallel.
/// Columns past a multiple of 16 are done by a slice shifted left to overlap (no scalar tail); fewer than
/// 16 columns take a scalar slice.
/// </summary>
public static class DenseVector256
{
    public const int SliceWidth = 16;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    /// <summary>The whole layer with this body, single-threaded (tests call it directly).</summary>
    public static unsafe void Run(ReadOnlySpan<float> input, int batch, int inFeatures, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, int outFeatures, Span<float> output, bool relu)
    {
        Dense.CheckLengths(input.Length, batch, inFeatures, weights.Length, bias.Length, outFeatures, output.Length);
        fixed (float* x = input) fixed (float* w = weights) fixed (float* b = bias) fixed (float* y = output)
            for (int s = 0; s < Dense.SliceCount(outFeatures, SliceWidth); s++)
                Slice(x, batch, inFeatures, w, b, outFeatures, y, relu, s);
    }

    /// <summary>Output columns [16·slice, 16·slice + 16) (clamped to end at Cout) for every batch row.</summary>
    internal static unsafe void Slice(float* input, int batch, int inFeatures, float* weights, float* bias, int outFeatures,
        float* output, bool relu, int slice)
    {
        if (outFeatures < SliceWidth) { Dense.ScalarSlice(input, batch, inFeatures, weights, bias, outFeatures, output, relu); return; }
        int o = Math.Min(slice * SliceWidth, outFeatures - SliceWidth);
        Span<Vector256<float>> acc = stackalloc Vector256<float>[16]; // (8 rows, 2 vectors)
        for (int n0 = 0; n0 < batch; n0 += 8)
        {
            int rows = Math.Min(8, batch - n0);
            var b0 = Vector256.Load(bias + o); var b1 = Vector256.Load(bias + o + 8);
            for (int r = 0; r < rows; r++) { acc[2 * r] = b0; acc[2 * r + 1] = b1; }
            float* w = weights + o;          // row i of (Cin, Cout) at w + i·Cout
            float* x = input + (nint)n0 * inFeatures;
            if (rows == 1)
            {
                // The batch-1 path: two independent accumulator pairs so FMA latency never limits the stream.
                Vector256<float> a0 = b0, a1 = b1, c0 = Vector256<float>.Zero, c1 = Vector256<float>.Zero;
                int i = 0;
                for (; i + 1 < inFeatures; i += 2, w += 2 * (nint)outFeatures)
                {
                    var xi = Vector256.Create(x[i]); var xj = Vector256.Create(x[i + 1]);
                    a0 = Vector256.FusedMultiplyAdd(xi, Vector256.Load(w), a0);
                    a1 = Vector256.FusedMultiplyAdd(xi, Vector256.Load(w + 8), a1);
                    c0 = Vector256.FusedMultiplyAdd(xj, Vector256.Load(w + outFeatures), c0);
                    c1 = Vector256.FusedMultiplyAdd(xj, Vector256.Load(w + outFeatures + 8), c1);
                }
                if (i < inFeatures)
                {
                    var xi = Vector256.Create(x[i]);
                    a0 = Vector256.FusedMultiplyAdd(xi, Vector256.Load(w), a0);
                    a1 = Vector256.FusedMultiplyAdd(xi, Vector256.Load(w + 8), a1);
                }
                acc[0] = a0 + c0; acc[1] = a1 + c1;
            }
            else
            {
                for (int i = 0; i < inFeatures; i++, w += outFeatures)
                {
                    var w0 = Vector256.Load(w); var w1 = Vector256.Load(w + 8);
                    for (int r = 0; r < rows; r++)
                    {
                        var xr = Vector256.Create(x[(nint)r * inFeatures + i]);
                        acc[2 * r] = Vector256.FusedMultiplyAdd(xr, w0, acc[2 * r]);
                        acc[2 * r + 1] = Vector256.FusedMultiplyAdd(xr, w1, acc[2 * r + 1]);
                    }
                }
            }
            for (int r = 0; r < rows; r++)
            {
                var y0 = acc[2 * r]; var y1 = acc[2 * r + 1];
                if (relu) { y0 = Vector256.Max(y0, Vector256<float>.Zero); y1 = Vector256.Max(y1, Vector256<float>.Zero); }
                float* y = output + (nint)(n0 + r) * outFeatures + o;
                y0.Store(y); y1.Store(y + 8);
            }
        }
    }
}
