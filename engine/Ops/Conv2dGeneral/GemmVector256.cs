using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>4 rows × 32 columns: 16 Vector256 accumulators, one broadcast per row and four panel loads per k.</summary>
public readonly struct GemmVector256 : IGemmMicrokernel
{
    public static int TileRows => 4;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Tile(float* a, nint depth, float* panel, float* bias, float* c, nint cRowStride)
    {
        var b0 = Vector256.Load(bias); var b1 = Vector256.Load(bias + 8); var b2 = Vector256.Load(bias + 16); var b3 = Vector256.Load(bias + 24);
        Vector256<float> c00 = b0, c01 = b1, c02 = b2, c03 = b3, c10 = b0, c11 = b1, c12 = b2, c13 = b3;
        Vector256<float> c20 = b0, c21 = b1, c22 = b2, c23 = b3, c30 = b0, c31 = b1, c32 = b2, c33 = b3;
        float* a0 = a, a1 = a + depth, a2 = a1 + depth, a3 = a2 + depth;
        for (nint k = 0; k < depth; k++)
        {
            var w0 = Vector256.Load(panel); var w1 = Vector256.Load(panel + 8); var w2 = Vector256.Load(panel + 16); var w3 = Vector256.Load(panel + 24);
            panel += 32;
            var x = Vector256.Create(a0[k]);
            c00 = Vector256.FusedMultiplyAdd(x, w0, c00); c01 = Vector256.FusedMultiplyAdd(x, w1, c01); c02 = Vector256.FusedMultiplyAdd(x, w2, c02); c03 = Vector256.FusedMultiplyAdd(x, w3, c03);
            x = Vector256.Create(a1[k]);
            c10 = Vector256.FusedMultiplyAdd(x, w0, c10); c11 = Vector256.FusedMultiplyAdd(x, w1, c11); c12 = Vector256.FusedMultiplyAdd(x, w2, c12); c13 = Vector256.FusedMultiplyAdd(x, w3, c13);
            x = Vector256.Create(a2[k]);
            c20 = Vector256.FusedMultiplyAdd(x, w0, c20); c21 = Vector256.FusedMultiplyAdd(x, w1, c21); c22 = Vector256.FusedMultiplyAdd(x, w2, c22); c23 = Vector256.FusedMultiplyAdd(x, w3, c23);
            x = Vector256.Create(a3[k]);
            c30 = Vector256.FusedMultiplyAdd(x, w0, c30); c31 = Vector256.FusedMultiplyAdd(x, w1, c31); c32 = Vector256.FusedMultiplyAdd(x, w2, c32); c33 = Vector256.FusedMultiplyAdd(x, w3, c33);
        }
        c00.Store(c); c01.Store(c + 8); c02.Store(c + 16); c03.Store(c + 24); c += cRowStride;
        c10.Store(c); c11.Store(c + 8); c12.Store(c + 16); c13.Store(c + 24); c += cRowStride;
        c20.Store(c); c21.Store(c + 8); c22.Store(c + 16); c23.Store(c + 24); c += cRowStride;
        c30.Store(c); c31.Store(c + 8); c32.Store(c + 16); c33.Store(c + 24);
    }
}
