using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// Vectorized unpooling by switches; same result as <see cref="Unpool2x2Scalar"/>.
/// Written as a gather instead of a scatter (there is no portable SIMD scatter): every output element (y, x, c)
/// looks at its pooled cell (y/2, x/2, c) and takes the pooled value when that cell's switch points at y*W + x,
/// else 0. So each output is written exactly once (no separate clear) and channels are processed V at a time;
/// a channel count that is not a multiple of V re-runs one vector ending at the last channel (a pure function of
/// its inputs, so overlap is harmless). Rows/columns past 2·(H/2) (odd sizes) are zero, as in the oracle.
/// A switch outside its 2×2 window can never match, so its value is dropped; the oracle would throw for a switch
/// outside the plane — <see cref="Validate"/> does the same check when asked.
/// </summary>
public static class Unpool2x2
{
    /// <param name="pooled">(H/2, W/2, C).</param>
    /// <param name="switches">(H/2, W/2, C): flat y*W + x in the channel's (H, W) plane.</param>
    /// <param name="unpooled">(H, W, C), fully overwritten.</param>
    public static void Run(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled)
    {
        int outH = height / 2, outW = width / 2;
        if (channels <= 0 || outH <= 0 || outW <= 0) throw new ArgumentException($"unpool: bad sizes H={height} W={width} C={channels}");
        if (pooled.Length < outH * outW * channels || switches.Length < outH * outW * channels)
            throw new ArgumentException("unpool: pooled/switches shorter than (H/2, W/2, C)");
        if (unpooled.Length < height * width * channels) throw new ArgumentException("unpool: output shorter than (H, W, C)");

        // Large planes (a projection's lower layers) are split into row bands over the cores; each output row is
        // written by exactly one band.
        int bands = (long)height * width * channels >= 1 << 20 && height >= 4 ? Math.Min(Environment.ProcessorCount, height / 2) : 1;
        if (bands <= 1)
        {
            RunRows(pooled, switches, height, width, channels, unpooled, 0, height);
            return;
        }
        unsafe
        {
            fixed (float* p = pooled) fixed (int* s = switches) fixed (float* u = unpooled)
            {
                float* pp = p, uu = u; int* ss = s;
                int pl = pooled.Length, sl = switches.Length, ul = unpooled.Length;
                Parallel.For(0, bands, band =>
                {
                    int y0 = (int)((long)height * band / bands) & ~1, y1 = band == bands - 1 ? height : (int)((long)height * (band + 1) / bands) & ~1;
                    RunRows(new ReadOnlySpan<float>(pp, pl), new ReadOnlySpan<int>(ss, sl), height, width, channels, new Span<float>(uu, ul), y0, y1);
                });
            }
        }
    }

    private static void RunRows(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled, int y0, int y1)
    {
        if (Vector512.IsHardwareAccelerated && channels >= Vector512<float>.Count) Run512(pooled, switches, height, width, channels, unpooled, y0, y1);
        else if (Vector256.IsHardwareAccelerated && channels >= Vector256<float>.Count) Run256(pooled, switches, height, width, channels, unpooled, y0, y1);
        else RunScalar(pooled, switches, height, width, channels, unpooled, y0, y1);
    }

    /// <summary>Throws like the oracle when a switch lies outside its (H, W) plane.</summary>
    public static void Validate(ReadOnlySpan<int> switches, int height, int width)
    {
        foreach (int s in switches)
            if ((uint)s >= (uint)(height * width)) throw new ArgumentException($"unpool: switch {s} outside a {height}×{width} plane");
    }

    internal static void Run512(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled,
        int y0 = 0, int y1 = -1)
    {
        if (y1 < 0) y1 = height;
        int outH = height / 2, outW = width / 2, step = Vector512<float>.Count;
        ref float p0 = ref MemoryMarshal.GetReference(pooled);
        ref int s0 = ref MemoryMarshal.GetReference(switches);
        ref float u0 = ref MemoryMarshal.GetReference(unpooled);
        for (int y = y0; y < y1; y++)
        for (int x = 0; x < width; x++)
        {
            int o = (y * width + x) * channels;
            if (y >= 2 * outH || x >= 2 * outW)
            {
                unpooled.Slice(o, channels).Clear();
                continue;
            }
            var here = Vector512.Create(y * width + x);
            int cell = ((y >> 1) * outW + (x >> 1)) * channels;
            for (int c = 0; c < channels; c += step)
            {
                int at = Math.Min(c, channels - step);
                var sw = Vector512.LoadUnsafe(ref s0, (nuint)(cell + at));
                var v = Vector512.LoadUnsafe(ref p0, (nuint)(cell + at));
                var hit = Vector512.Equals(sw, here).AsSingle();
                (v & hit).StoreUnsafe(ref u0, (nuint)(o + at));
            }
        }
    }

    internal static void Run256(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled,
        int y0 = 0, int y1 = -1)
    {
        if (y1 < 0) y1 = height;
        int outH = height / 2, outW = width / 2, step = Vector256<float>.Count;
        ref float p0 = ref MemoryMarshal.GetReference(pooled);
        ref int s0 = ref MemoryMarshal.GetReference(switches);
        ref float u0 = ref MemoryMarshal.GetReference(unpooled);
        for (int y = y0; y < y1; y++)
        for (int x = 0; x < width; x++)
        {
            int o = (y * width + x) * channels;
            if (y >= 2 * outH || x >= 2 * outW)
            {
                unpooled.Slice(o, channels).Clear();
                continue;
            }
            var here = Vector256.Create(y * width + x);
            int cell = ((y >> 1) * outW + (x >> 1)) * channels;
            for (int c = 0; c < channels; c += step)
            {
                int at = Math.Min(c, channels - step);
                var sw = Vector256.LoadUnsafe(ref s0, (nuint)(cell + at));
                var v = Vector256.LoadUnsafe(ref p0, (nuint)(cell + at));
                var hit = Vector256.Equals(sw, here).AsSingle();
                (v & hit).StoreUnsafe(ref u0, (nuint)(o + at));
            }
        }
    }

    internal static void RunScalar(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels, Span<float> unpooled,
        int y0 = 0, int y1 = -1)
    {
        if (y1 < 0) y1 = height;
        int outH = height / 2, outW = width / 2;
        for (int y = y0; y < y1; y++)
        for (int x = 0; x < width; x++)
        {
            int o = (y * width + x) * channels;
            bool inside = y < 2 * outH && x < 2 * outW;
            int cell = ((y >> 1) * outW + (x >> 1)) * channels;
            for (int c = 0; c < channels; c++)
                unpooled[o + c] = inside && switches[cell + c] == y * width + x ? pooled[cell + c] : 0f;
        }
    }
}
