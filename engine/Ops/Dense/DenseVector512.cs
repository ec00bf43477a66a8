using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Fully connected layer, Vector512 body. Batch 1 is memory-bound (fc1 alone is 411 MB of weights), so the body is
/// built around streaming the Keras-layout (Cin, Cout) weights sequentially, once per batch:
/// a band of rows [i0, i1) of W is walked in groups of 8 rows; for each group, the columns go by in chunks
/// of 64 (4 vectors), and for each chunk the group's rows are read left to right — so every weight row is one
/// sequential stream (no 16 KB strides, no TLB miss per row), and the chunk's accumulators for up to 4 batch rows
/// stay in registers across the group. Partial sums live in a (N, Cout) buffer the driver reduces over bands.
/// Columns past the last whole vector take a short scalar loop (at most 15 columns; the weights are read in place,
/// so they cannot be padded).
/// </summary>
public static class DenseVector512
{
    /// <summary>Rows of W per group: the group's accumulators are loaded and stored once per chunk.</summary>
    internal const int RowGroup = 8;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>The whole layer with this body, single-threaded, one band (tests call it directly).</summary>
    public static unsafe void Run(ReadOnlySpan<float> input, int batch, int inFeatures, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, int outFeatures, Span<float> output, bool relu)
    {
        Dense.CheckLengths(input.Length, batch, inFeatures, weights.Length, bias.Length, outFeatures, output.Length);
        for (int n = 0; n < batch; n++) bias.CopyTo(output.Slice(n * outFeatures, outFeatures));
        fixed (float* x = input) fixed (float* w = weights) fixed (float* y = output)
            AccumulateBand(x, batch, inFeatures, w, outFeatures, 0, inFeatures, y);
        if (relu) Dense.Rectify(output.Slice(0, batch * outFeatures));
    }

    /// <summary>partial (N, Cout) += x[:, i0..i1) · W[i0..i1, :].</summary>
    internal static unsafe void AccumulateBand(float* input, int batch, int inFeatures, float* weights, int outFeatures,
        int i0, int i1, float* partial)
    {
        for (int group = i0; group < i1; group += RowGroup)
        {
            int rows = Math.Min(RowGroup, i1 - group);
            float* w = weights + (nint)group * outFeatures; // (rows, Cout)
            for (int n0 = 0; n0 < batch; n0 += 4)
            {
                float* x = input + (nint)n0 * inFeatures + group;   // (≤4, rows) with batch rows Cin apart
                float* p = partial + (nint)n0 * outFeatures;        // (≤4, Cout)
                switch (Math.Min(4, batch - n0))
                {
                    case 1: Group<Dense.One>(x, inFeatures, w, outFeatures, rows, p); break;
                    case 2: Group<Dense.Two>(x, inFeatures, w, outFeatures, rows, p); break;
                    case 3: Group<Dense.Three>(x, inFeatures, w, outFeatures, rows, p); break;
                    default: Group<Dense.Four>(x, inFeatures, w, outFeatures, rows, p); break;
                }
            }
        }
    }

    private static unsafe void Group<TRows>(float* x, int inFeatures, float* w, int outFeatures, int rows, float* partial)
        where TRows : Dense.IBatchRows
    {
        int o = 0;
        for (; o + 64 <= outFeatures; o += 64) Chunk<TRows>(x, inFeatures, w + o, outFeatures, rows, partial + o);
        for (; o + 16 <= outFeatures; o += 16) Vector<TRows>(x, inFeatures, w + o, outFeatures, rows, partial + o);
        for (; o < outFeatures; o++)
            for (int n = 0; n < TRows.Count; n++)
            {
                float sum = partial[(nint)n * outFeatures + o];
                for (int r = 0; r < rows; r++) sum += x[(nint)n * inFeatures + r] * w[(nint)r * outFeatures + o];
                partial[(nint)n * outFeatures + o] = sum;
            }
    }

    /// <summary>64 columns × up to 4 batch rows: 16 accumulators in registers over the group's rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Chunk<TRows>(float* x, nint inFeatures, float* w, nint outFeatures, int rows, float* partial)
        where TRows : Dense.IBatchRows
    {
        int count = TRows.Count;
        float* p0 = partial, p1 = p0 + outFeatures, p2 = p1 + outFeatures, p3 = p2 + outFeatures;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        { a00 = Vector512.Load(p0); a01 = Vector512.Load(p0 + 16); a02 = Vector512.Load(p0 + 32); a03 = Vector512.Load(p0 + 48); }
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        if (count > 1) { a10 = Vector512.Load(p1); a11 = Vector512.Load(p1 + 16); a12 = Vector512.Load(p1 + 32); a13 = Vector512.Load(p1 + 48); }
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        if (count > 2) { a20 = Vector512.Load(p2); a21 = Vector512.Load(p2 + 16); a22 = Vector512.Load(p2 + 32); a23 = Vector512.Load(p2 + 48); }
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        if (count > 3) { a30 = Vector512.Load(p3); a31 = Vector512.Load(p3 + 16); a32 = Vector512.Load(p3 + 32); a33 = Vector512.Load(p3 + 48); }
        for (int r = 0; r < rows; r++, w += outFeatures, x++)
        {
            Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + 16), w2 = Vector512.Load(w + 32), w3 = Vector512.Load(w + 48), v;
            { v = Vector512.Create(x[0]); a00 = Vector512.FusedMultiplyAdd(v, w0, a00); a01 = Vector512.FusedMultiplyAdd(v, w1, a01); a02 = Vector512.FusedMultiplyAdd(v, w2, a02); a03 = Vector512.FusedMultiplyAdd(v, w3, a03); }
            if (count > 1) { v = Vector512.Create(x[1 * inFeatures]); a10 = Vector512.FusedMultiplyAdd(v, w0, a10); a11 = Vector512.FusedMultiplyAdd(v, w1, a11); a12 = Vector512.FusedMultiplyAdd(v, w2, a12); a13 = Vector512.FusedMultiplyAdd(v, w3, a13); }
            if (count > 2) { v = Vector512.Create(x[2 * inFeatures]); a20 = Vector512.FusedMultiplyAdd(v, w0, a20); a21 = Vector512.FusedMultiplyAdd(v, w1, a21); a22 = Vector512.FusedMultiplyAdd(v, w2, a22); a23 = Vector512.FusedMultiplyAdd(v, w3, a23); }
            if (count > 3) { v = Vector512.Create(x[3 * inFeatures]); a30 = Vector512.FusedMultiplyAdd(v, w0, a30); a31 = Vector512.FusedMultiplyAdd(v, w1, a31); a32 = Vector512.FusedMultiplyAdd(v, w2, a32); a33 = Vector512.FusedMultiplyAdd(v, w3, a33); }
        }
        { a00.Store(p0); a01.Store(p0 + 16); a02.Store(p0 + 32); a03.Store(p0 + 48); }
        if (count > 1) { a10.Store(p1); a11.Store(p1 + 16); a12.Store(p1 + 32); a13.Store(p1 + 48); }
        if (count > 2) { a20.Store(p2); a21.Store(p2 + 16); a22.Store(p2 + 32); a23.Store(p2 + 48); }
        if (count > 3) { a30.Store(p3); a31.Store(p3 + 16); a32.Store(p3 + 32); a33.Store(p3 + 48); }
    }

    /// <summary>16 columns × up to 4 batch rows (what is left after the 64-wide chunks).</summary>
    private static unsafe void Vector<TRows>(float* x, nint inFeatures, float* w, nint outFeatures, int rows, float* partial)
        where TRows : Dense.IBatchRows
    {
        for (int n = 0; n < TRows.Count; n++)
        {
            float* p = partial + n * outFeatures;
            Vector512<float> a = Vector512.Load(p);
            for (int r = 0; r < rows; r++) a = Vector512.FusedMultiplyAdd(Vector512.Create(x[n * inFeatures + r]), Vector512.Load(w + r * outFeatures), a);
            a.Store(p);
        }
    }
}
