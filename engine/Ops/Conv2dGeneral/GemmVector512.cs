using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>6 rows × 32 columns: 12 Vector512 accumulators, one broadcast per row and two panel loads per k.</summary>
public readonly struct GemmVector512 : IGemmMicrokernel
{
    public static int TileRows => 6;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Tile(float* a, nint depth, float* panel, float* bias, float* c, nint cRowStride)
    {
        var b0 = Vector512.Load(bias); var b1 = Vector512.Load(bias + 16);
        Vector512<float> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1;
        Vector512<float> c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1;
        float* a0 = a, a1 = a + depth, a2 = a1 + depth, a3 = a2 + depth, a4 = a3 + depth, a5 = a4 + depth;
        for (nint k = 0; k < depth; k++)
        {
            var w0 = Vector512.Load(panel); var w1 = Vector512.Load(panel + 16);
            panel += 32;
            var x = Vector512.Create(a0[k]); c00 = Vector512.FusedMultiplyAdd(x, w0, c00); c01 = Vector512.FusedMultiplyAdd(x, w1, c01);
            x = Vector512.Create(a1[k]); c10 = Vector512.FusedMultiplyAdd(x, w0, c10); c11 = Vector512.FusedMultiplyAdd(x, w1, c11);
            x = Vector512.Create(a2[k]); c20 = Vector512.FusedMultiplyAdd(x, w0, c20); c21 = Vector512.FusedMultiplyAdd(x, w1, c21);
            x = Vector512.Create(a3[k]); c30 = Vector512.FusedMultiplyAdd(x, w0, c30); c31 = Vector512.FusedMultiplyAdd(x, w1, c31);
            x = Vector512.Create(a4[k]); c40 = Vector512.FusedMultiplyAdd(x, w0, c40); c41 = Vector512.FusedMultiplyAdd(x, w1, c41);
            x = Vector512.Create(a5[k]); c50 = Vector512.FusedMultiplyAdd(x, w0, c50); c51 = Vector512.FusedMultiplyAdd(x, w1, c51);
        }
        c00.Store(c); c01.Store(c + 16); c += cRowStride;
        c10.Store(c); c11.Store(c + 16); c += cRowStride;
        c20.Store(c); c21.Store(c + 16); c += cRowStride;
        c30.Store(c); c31.Store(c + 16); c += cRowStride;
        c40.Store(c); c41.Store(c + 16); c += cRowStride;
        c50.Store(c); c51.Store(c + 16);
    }
}
