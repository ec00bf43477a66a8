using System.Runtime.CompilerServices;

namespace CnnEngine.Ops;

/// <summary>
/// The F(2×2, 3×3) transforms, vectorized over channels like <see cref="WinogradTransforms"/> (same factored form:
/// the 1-D transform on the columns, then on the rows). Every coefficient is 0, ±1 or ±½, so the transforms only add
/// and subtract: the error stays within about twice the direct convolution's (bench/RESULTS.md), where F(4×4, 3×3)'s
/// coefficients up to 8 cost ~20× more on 512-channel sums — which is why the 512-channel layers use this one.
/// </summary>
public static class WinogradTransforms2x2
{
    /// <summary>V = Bᵀ d B for channels [c0, c0 + Count) of one tile (see <see cref="WinogradTransforms.Input"/>; here 4 rows, 16 elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input<TS, TV>(float** rows, nint pixelStride, int validCols, nint c0, float* v, nint vStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        for (int j = 0; j < 4; j++)
        {
            if (j >= validCols) { for (int i = 0; i < 4; i++) scratch[i * 4 + j] = TS.Zero; continue; }
            nint off = j * pixelStride + c0;
            Transform4<TS, TV>(TS.Load(rows[0] + off), TS.Load(rows[1] + off), TS.Load(rows[2] + off), TS.Load(rows[3] + off),
                out scratch[j], out scratch[4 + j], out scratch[8 + j], out scratch[12 + j]);
        }
        for (int i = 0; i < 4; i++)
        {
            TV* t = scratch + i * 4;
            Transform4<TS, TV>(t[0], t[1], t[2], t[3], out TV v0, out TV v1, out TV v2, out TV v3);
            float* row = v + i * 4 * vStride;
            TS.Store(v0, row); TS.Store(v1, row + vStride); TS.Store(v2, row + 2 * vStride); TS.Store(v3, row + 3 * vStride);
        }
    }

    /// <summary>The 1-D Bᵀ: rows (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform4<TS, TV>(TV d0, TV d1, TV d2, TV d3, out TV t0, out TV t1, out TV t2, out TV t3)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        t0 = TS.Sub(d0, d2);
        t1 = TS.Add(d1, d2);
        t2 = TS.Sub(d2, d1);
        t3 = TS.Sub(d1, d3);
    }

    /// <summary>
    /// U = G g Gᵀ for Count output channels of one (ci, co…) kernel, read straight from the Keras layout (taps
    /// <paramref name="tapStride"/> apart). G's ½ is exact in float, so U is rounded only in its sums: no scale to undo
    /// (<see cref="KernelScale"/> = 1).
    /// </summary>
    /// <param name="u">(16, ·) output: element e = 4·i + j at u + e·<paramref name="uStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Kernel<TS, TV>(float* g, nint tapStride, float* u, nint uStride, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        for (int kx = 0; kx < 3; kx++)
            TransformG<TS, TV>(TS.Load(g + kx * tapStride), TS.Load(g + (3 + kx) * tapStride), TS.Load(g + (6 + kx) * tapStride),
                out scratch[kx], out scratch[3 + kx], out scratch[6 + kx], out scratch[9 + kx]);
        for (int i = 0; i < 4; i++)
        {
            TV* t = scratch + i * 3;
            TransformG<TS, TV>(t[0], t[1], t[2], out TV u0, out TV u1, out TV u2, out TV u3);
            float* row = u + i * 4 * uStride;
            TS.Store(u0, row); TS.Store(u1, row + uStride); TS.Store(u2, row + 2 * uStride); TS.Store(u3, row + 3 * uStride);
        }
    }

    /// <summary>What <see cref="Kernel"/>'s output is U times: 1.</summary>
    public const float KernelScale = 1f;

    /// <summary>The 1-D G: rows (1 0 0), (½ ½ ½), (½ -½ ½), (0 0 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformG<TS, TV>(TV g0, TV g1, TV g2, out TV t0, out TV t1, out TV t2, out TV t3)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        TV half = TS.Broadcast(0.5f), s02 = TS.Add(g0, g2);
        t0 = g0;
        t1 = TS.Fma(half, TS.Add(s02, g1), TS.Zero);
        t2 = TS.Fma(half, TS.Sub(s02, g1), TS.Zero);
        t3 = g2;
    }

    /// <summary>Y = Aᵀ m A for Count channels of one tile: 4 output vectors at y[oy·2 + ox].</summary>
    /// <param name="m">(16, ·): element e at m + e·<paramref name="mStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output<TS, TV>(float* m, nint mStride, TV* y, TV* scratch)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        for (int j = 0; j < 4; j++)
            Transform2<TS, TV>(TS.Load(m + j * mStride), TS.Load(m + (4 + j) * mStride), TS.Load(m + (8 + j) * mStride), TS.Load(m + (12 + j) * mStride),
                out scratch[j], out scratch[4 + j]);
        for (int i = 0; i < 2; i++)
        {
            TV* t = scratch + i * 4;
            Transform2<TS, TV>(t[0], t[1], t[2], t[3], out y[i * 2], out y[i * 2 + 1]);
        }
    }

    /// <summary>The 1-D Aᵀ: rows (1 1 1 0), (0 1 -1 -1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform2<TS, TV>(TV m0, TV m1, TV m2, TV m3, out TV o0, out TV o1)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged
    {
        o0 = TS.Add(TS.Add(m0, m1), m2);
        o1 = TS.Sub(TS.Sub(m1, m2), m3);
    }
}
