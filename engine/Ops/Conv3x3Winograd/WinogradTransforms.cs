using System.Runtime.CompilerServices;

namespace CnnEngine.Ops;

/// <summary>
/// The F(4×4, 3×3) input and output transforms, vectorized over channels (one vector = Count channels of one
/// tile), in the factored form of Bᵀ and Aᵀ (the same matrices as <see cref="Conv3x3WinogradScalar"/>, fewer
/// operations): each 2-D transform is the 1-D one on the 6 columns, then on the 6 rows of the result.
/// </summary>
public static class WinogradTransforms
{
    /// <summary>
    /// V = Bᵀ d B for channels [c0, c0 + Count) of one tile.
    /// </summary>
    /// <param name="rows">6 pointers to the patch's rows (pixel 0 of the 6×6 patch, pixels <paramref name="pixelStride"/> floats apart); a row outside the image points at zeros.</param>
    /// <param name="validCols">columns 0..validCols-1 of the patch are read; the others are taken as zero.</param>
    /// <param name="v">(36, ·) output: element e = 6·i + j at v + e·<paramref name="vStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input<TS, TV>(float** rows, nint pixelStride, int validCols, nint c0, float* v, nint vStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        // Columns: t[i][j] = Σ_k Bᵀ[i][k] d[k][j], stored at scratch[i·6 + j].
        for (int j = 0; j < 6; j++)
        {
            if (j >= validCols) { for (int i = 0; i < 6; i++) scratch[i * 6 + j] = TS.Zero; continue; }
            nint off = j * pixelStride + c0;
            TV d0 = TS.Load(rows[0] + off), d1 = TS.Load(rows[1] + off), d2 = TS.Load(rows[2] + off);
            TV d3 = TS.Load(rows[3] + off), d4 = TS.Load(rows[4] + off), d5 = TS.Load(rows[5] + off);
            Transform6<TS, TV>(d0, d1, d2, d3, d4, d5, out scratch[j], out scratch[6 + j], out scratch[12 + j], out scratch[18 + j], out scratch[24 + j], out scratch[30 + j]);
        }
        // Rows: v[i][j] = Σ_k t[i][k] Bᵀ[j][k].
        for (int i = 0; i < 6; i++)
        {
            TV* t = scratch + i * 6;
            Transform6<TS, TV>(t[0], t[1], t[2], t[3], t[4], t[5], out TV v0, out TV v1, out TV v2, out TV v3, out TV v4, out TV v5);
            float* row = v + i * 6 * vStride;
            TS.Store(v0, row); TS.Store(v1, row + vStride); TS.Store(v2, row + 2 * vStride);
            TS.Store(v3, row + 3 * vStride); TS.Store(v4, row + 4 * vStride); TS.Store(v5, row + 5 * vStride);
        }
    }

    /// <summary>The 1-D Bᵀ: rows (4 0 -5 0 1 0), (0 -4 -4 1 1 0), (0 4 -4 -1 1 0), (0 -2 -1 2 1 0), (0 2 -1 -2 1 0), (0 4 0 -5 0 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform6<TS, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, out TV t0, out TV t1, out TV t2, out TV t3, out TV t4, out TV t5)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        TV four = TS.Broadcast(4), minusFour = TS.Broadcast(-4), minusFive = TS.Broadcast(-5), two = TS.Broadcast(2);
        t0 = TS.Fma(minusFive, d2, TS.Fma(four, d0, d4));
        t5 = TS.Fma(minusFive, d3, TS.Fma(four, d1, d5));
        TV s34 = TS.Add(d3, d4), s12 = TS.Add(d1, d2);
        t1 = TS.Fma(minusFour, s12, s34);                              // -4(d1 + d2) + (d3 + d4)
        TV d43 = TS.Sub(d4, d3), d12 = TS.Sub(d1, d2);
        t2 = TS.Fma(four, d12, d43);                                   // 4(d1 - d2) + (d4 - d3)
        TV d42 = TS.Sub(d4, d2), d31 = TS.Sub(d3, d1);
        t3 = TS.Fma(two, d31, d42);                                    // 2(d3 - d1) + (d4 - d2)
        t4 = TS.Fma(TS.Broadcast(-2), d31, d42);                       // -2(d3 - d1) + (d4 - d2)
    }

    /// <summary>
    /// <see cref="KernelScale"/>·U = (24·G) g (24·G)ᵀ for Count output channels of one (ci, co…) kernel, read straight
    /// from the Keras layout: the 9 taps (ky·3 + kx) at g + tap·<paramref name="tapStride"/>, Count consecutive output
    /// channels each. Float, with the small-integer matrix 24·G (rows 1/2 and 3/4 share their even part): each value is
    /// rounded only in its sums, never at an inexact 1/6, and the 1/576 is left to the output transform (one multiply
    /// per output instead of one per weight, fused with the bias add). ~45 operations for 36 outputs, cheap enough to run per task
    /// instead of keeping the 4× larger transformed weights (see <see cref="PackedWinograd3x3.InPlace"/>).
    /// </summary>
    /// <param name="u">(36, ·) output: element e = 6·i + j at u + e·<paramref name="uStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Kernel<TS, TV>(float* g, nint tapStride, float* u, nint uStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        // Columns: t[i][kx] = Σ_ky 24·G[i][ky] g[ky][kx] (6×3), at scratch[i·3 + kx].
        for (int kx = 0; kx < 3; kx++)
            TransformG<TS, TV>(TS.Load(g + kx * tapStride), TS.Load(g + (3 + kx) * tapStride), TS.Load(g + (6 + kx) * tapStride),
                out scratch[kx], out scratch[3 + kx], out scratch[6 + kx], out scratch[9 + kx], out scratch[12 + kx], out scratch[15 + kx]);
        // Rows: u[i][j] = Σ_kx t[i][kx] 24·G[j][kx].
        for (int i = 0; i < 6; i++)
        {
            TV* t = scratch + i * 3;
            TransformG<TS, TV>(t[0], t[1], t[2], out TV u0, out TV u1, out TV u2, out TV u3, out TV u4, out TV u5);
            float* row = u + i * 6 * uStride;
            TS.Store(u0, row); TS.Store(u1, row + uStride); TS.Store(u2, row + 2 * uStride);
            TS.Store(u3, row + 3 * uStride); TS.Store(u4, row + 4 * uStride); TS.Store(u5, row + 5 * uStride);
        }
    }

    /// <summary>What <see cref="Kernel"/>'s output is U times: 24² (the GEMM's sums come out 576× too large).</summary>
    public const float KernelScale = 576f;

    /// <summary>The 1-D 24·G: rows (6 0 0), (-4 -4 -4), (-4 4 -4), (1 2 4), (1 -2 4), (0 0 24).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformG<TS, TV>(TV g0, TV g1, TV g2, out TV t0, out TV t1, out TV t2, out TV t3, out TV t4, out TV t5)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        TV minusFour = TS.Broadcast(-4f);
        TV s02 = TS.Add(g0, g2);
        t0 = TS.Fma(TS.Broadcast(6f), g0, TS.Zero);
        t1 = TS.Fma(minusFour, TS.Add(s02, g1), TS.Zero);                               // -4(g0 + g1 + g2)
        t2 = TS.Fma(minusFour, TS.Sub(s02, g1), TS.Zero);                               // -4(g0 - g1 + g2)
        TV even = TS.Fma(TS.Broadcast(4f), g2, g0), odd = TS.Add(g1, g1);                 // g0 + 4 g2, 2 g1
        t3 = TS.Add(even, odd);
        t4 = TS.Sub(even, odd);
        t5 = TS.Fma(TS.Broadcast(24f), g2, TS.Zero);
    }

    /// <summary>
    /// Y = Aᵀ m A for Count channels of one tile: 16 output vectors at y[oy·4 + ox].
    /// </summary>
    /// <param name="m">(36, ·): element e at m + e·<paramref name="mStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output<TS, TV>(float* m, nint mStride, TV* y, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        // Columns: t[i][j] = Σ_k Aᵀ[i][k] m[k][j] (4×6), at scratch[i·6 + j].
        for (int j = 0; j < 6; j++)
        {
            TV m0 = TS.Load(m + j * mStride), m1 = TS.Load(m + (6 + j) * mStride), m2 = TS.Load(m + (12 + j) * mStride);
            TV m3 = TS.Load(m + (18 + j) * mStride), m4 = TS.Load(m + (24 + j) * mStride), m5 = TS.Load(m + (30 + j) * mStride);
            Transform4<TS, TV>(m0, m1, m2, m3, m4, m5, out scratch[j], out scratch[6 + j], out scratch[12 + j], out scratch[18 + j]);
        }
        for (int i = 0; i < 4; i++)
        {
            TV* t = scratch + i * 6;
            Transform4<TS, TV>(t[0], t[1], t[2], t[3], t[4], t[5], out y[i * 4], out y[i * 4 + 1], out y[i * 4 + 2], out y[i * 4 + 3]);
        }
    }

    /// <summary>The 1-D Aᵀ: rows (1 1 1 1 1 0), (0 1 -1 2 -2 0), (0 1 1 4 4 0), (0 1 -1 8 -8 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform4<TS, TV>(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV o0, out TV o1, out TV o2, out TV o3)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        TV s12 = TS.Add(m1, m2), d12 = TS.Sub(m1, m2), s34 = TS.Add(m3, m4), d34 = TS.Sub(m3, m4);
        o0 = TS.Add(TS.Add(m0, s12), s34);
        o1 = TS.Fma(TS.Broadcast(2), d34, d12);
        o2 = TS.Fma(TS.Broadcast(4), s34, s12);
        o3 = TS.Add(TS.Fma(TS.Broadcast(8), d34, d12), m5);
    }
}
