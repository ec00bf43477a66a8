using System.Runtime.CompilerServices;

namespace CnnEngine.Ops;

/// <summary>Rows (tiles) per call of the Winograd GEMM microkernel: 7 or 8, whichever pads a layer's tile count less.</summary>
public interface IWinogradRows { static abstract int Rows { get; } }
public readonly struct WinogradRows7 : IWinogradRows { public static int Rows => 7; }
public readonly struct WinogradRows8 : IWinogradRows { public static int Rows => 8; }

/// <summary>
/// The Winograd GEMM microkernel: for one transform element, M (R tiles × 2 vectors of output channels) =
/// V (R tiles × Cin) · U (Cin × 2 vectors). The same register blocking as the direct kernel: per ci, two weight
/// loads, then per tile one broadcast and two FMAs into accumulators that stay in registers for the whole Cin
/// reduction (R = 8: 16 accumulators + 2 weights + 1 broadcast). Generic over the width (Vector512: 32 channels per
/// call; Vector256: 16, called twice per 32-wide block) and over R (the unused row is compiled out).
/// The driver sums Cin in chunks of <see cref="ChunkChannels"/> (each chunk's partial sum starts at zero, then is
/// added to M): the transformed products are larger than the outputs they cancel down to, and one long float chain
/// over 512 channels was the main error of the whole algorithm (measured: chunks of 64 halve the typical error and
/// cut the worst case 3–4× at Cin = 512).
/// </summary>
public static class WinogradGemm
{
    /// <summary>Input channels per partial sum.</summary>
    public const int ChunkChannels = 64;

    /// <param name="v">(R, ·): row r at v + r·<paramref name="rowStride"/>; <paramref name="count"/> input channels are summed.</param>
    /// <param name="u">(count, 32) packed weights at this call's first channel; ci rows 32 floats apart.</param>
    /// <param name="m">(R, 32) at this call's first channel; rows 32 floats apart. Overwritten, or added to when <paramref name="accumulate"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile<TS, TV, TR>(float* v, nint rowStride, nint count, float* u, float* m, bool accumulate)
        where TS : struct, ISimdFloat<TV> where TV : unmanaged where TR : struct, IWinogradRows
    {
        nint cin = rowStride;
        TV a00 = TS.Zero, a01 = TS.Zero, a10 = TS.Zero, a11 = TS.Zero, a20 = TS.Zero, a21 = TS.Zero, a30 = TS.Zero, a31 = TS.Zero;
        TV a40 = TS.Zero, a41 = TS.Zero, a50 = TS.Zero, a51 = TS.Zero, a60 = TS.Zero, a61 = TS.Zero, a70 = TS.Zero, a71 = TS.Zero;
        float* p0 = v, p1 = v + 3 * cin, p2 = v + 6 * cin;
        float* end = u + count * PackedWinograd3x3.BlockWidth;
        for (; u < end; u += PackedWinograd3x3.BlockWidth)
        {
            TV w0 = TS.Load(u), w1 = TS.Load(u + TS.Count), x;
            x = TS.Broadcast(*p0); a00 = TS.Fma(x, w0, a00); a01 = TS.Fma(x, w1, a01);
            x = TS.Broadcast(p0[cin]); a10 = TS.Fma(x, w0, a10); a11 = TS.Fma(x, w1, a11);
            x = TS.Broadcast(p0[2 * cin]); a20 = TS.Fma(x, w0, a20); a21 = TS.Fma(x, w1, a21);
            x = TS.Broadcast(*p1); a30 = TS.Fma(x, w0, a30); a31 = TS.Fma(x, w1, a31);
            x = TS.Broadcast(p1[cin]); a40 = TS.Fma(x, w0, a40); a41 = TS.Fma(x, w1, a41);
            x = TS.Broadcast(p1[2 * cin]); a50 = TS.Fma(x, w0, a50); a51 = TS.Fma(x, w1, a51);
            x = TS.Broadcast(*p2); a60 = TS.Fma(x, w0, a60); a61 = TS.Fma(x, w1, a61);
            if (TR.Rows > 7) { x = TS.Broadcast(p2[cin]); a70 = TS.Fma(x, w0, a70); a71 = TS.Fma(x, w1, a71); }
            p0++; p1++; p2++;
        }
        const int s = PackedWinograd3x3.BlockWidth;
        int c = TS.Count;
        if (accumulate)
        {
            a00 = TS.Add(a00, TS.Load(m)); a01 = TS.Add(a01, TS.Load(m + c));
            a10 = TS.Add(a10, TS.Load(m + s)); a11 = TS.Add(a11, TS.Load(m + s + c));
            a20 = TS.Add(a20, TS.Load(m + 2 * s)); a21 = TS.Add(a21, TS.Load(m + 2 * s + c));
            a30 = TS.Add(a30, TS.Load(m + 3 * s)); a31 = TS.Add(a31, TS.Load(m + 3 * s + c));
            a40 = TS.Add(a40, TS.Load(m + 4 * s)); a41 = TS.Add(a41, TS.Load(m + 4 * s + c));
            a50 = TS.Add(a50, TS.Load(m + 5 * s)); a51 = TS.Add(a51, TS.Load(m + 5 * s + c));
            a60 = TS.Add(a60, TS.Load(m + 6 * s)); a61 = TS.Add(a61, TS.Load(m + 6 * s + c));
            if (TR.Rows > 7) { a70 = TS.Add(a70, TS.Load(m + 7 * s)); a71 = TS.Add(a71, TS.Load(m + 7 * s + c)); }
        }
        TS.Store(a00, m); TS.Store(a01, m + c);
        TS.Store(a10, m + s); TS.Store(a11, m + s + c);
        TS.Store(a20, m + 2 * s); TS.Store(a21, m + 2 * s + c);
        TS.Store(a30, m + 3 * s); TS.Store(a31, m + 3 * s + c);
        TS.Store(a40, m + 4 * s); TS.Store(a41, m + 4 * s + c);
        TS.Store(a50, m + 5 * s); TS.Store(a51, m + 5 * s + c);
        TS.Store(a60, m + 6 * s); TS.Store(a61, m + 6 * s + c);
        if (TR.Rows > 7) { TS.Store(a70, m + 7 * s); TS.Store(a71, m + 7 * s + c); }
    }
}
