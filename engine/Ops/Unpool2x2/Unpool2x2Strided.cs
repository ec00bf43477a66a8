using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// <see cref="Unpool2x2"/> between strided layouts: the pooled signal and the unpooled result may sit inside
/// zero-bordered padded buffers (the deconvnet's whole-map descent keeps its signal in the layout
/// <see cref="Conv3x3"/> reads, so no copy is made between layers). Same gather and same result as
/// <see cref="Unpool2x2"/>; only the interior (H, W, C) of the output is written.
/// </summary>
public static class Unpool2x2Strided
{
    /// <param name="pooled">(H/2, W/2, C), rows <paramref name="pooledRowStride"/> floats apart.</param>
    /// <param name="switches">(H/2, W/2, C) dense: flat y*W + x in the channel's (H, W) plane.</param>
    /// <param name="unpooled">(H, W, C), rows <paramref name="unpooledRowStride"/> floats apart; fully overwritten.</param>
    internal static unsafe void Run(float* pooled, nint pooledRowStride, int* switches, int height, int width, int channels,
        float* unpooled, nint unpooledRowStride, int threads)
    {
        int workers = threads > 0 ? threads : Environment.ProcessorCount;
        int pairs = (height + 1) / 2;
        int bands = (long)height * width * channels >= 1 << 18 ? Math.Min(pairs, 4 * workers) : 1;
        nint p = (nint)pooled, s = (nint)switches, u = (nint)unpooled;
        void Band(int band)
        {
            int y0 = (int)((long)pairs * band / bands) * 2, y1 = Math.Min(height, (int)((long)pairs * (band + 1) / bands) * 2);
            Rows((float*)p, pooledRowStride, (int*)s, height, width, channels, (float*)u, unpooledRowStride, y0, y1);
        }
        if (bands == 1 || workers == 1) for (int b = 0; b < bands; b++) Band(b);
        else Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = workers }, Band);
    }

    private static unsafe void Rows(float* pooled, nint pooledRowStride, int* switches, int height, int width, int channels,
        float* unpooled, nint unpooledRowStride, int y0, int y1)
    {
        int outH = height / 2, outW = width / 2;
        for (int y = y0; y < y1; y++)
        {
            float* row = unpooled + y * unpooledRowStride;
            if (y >= 2 * outH) { new Span<float>(row, width * channels).Clear(); continue; }
            float* cellRow = pooled + (y >> 1) * pooledRowStride;
            int* switchRow = switches + (nint)(y >> 1) * outW * channels;
            for (int x = 0; x < width; x++)
            {
                float* o = row + (nint)x * channels;
                if (x >= 2 * outW) { new Span<float>(o, channels).Clear(); continue; }
                float* v = cellRow + (nint)(x >> 1) * channels;
                int* sw = switchRow + (nint)(x >> 1) * channels;
                int here = y * width + x;
                if (Vector512.IsHardwareAccelerated && channels >= Vector512<float>.Count)
                {
                    var at = Vector512.Create(here);
                    for (int c = 0; c < channels; c += Vector512<float>.Count)
                    {
                        int k = Math.Min(c, channels - Vector512<float>.Count); // the last vector overlaps instead of a scalar tail
                        (Vector512.Load(v + k) & Vector512.Equals(Vector512.Load(sw + k), at).AsSingle()).Store(o + k);
                    }
                }
                else if (Vector256.IsHardwareAccelerated && channels >= Vector256<float>.Count)
                {
                    var at = Vector256.Create(here);
                    for (int c = 0; c < channels; c += Vector256<float>.Count)
                    {
                        int k = Math.Min(c, channels - Vector256<float>.Count);
                        (Vector256.Load(v + k) & Vector256.Equals(Vector256.Load(sw + k), at).AsSingle()).Store(o + k);
                    }
                }
                else
                {
                    for (int c = 0; c < channels; c++) o[c] = sw[c] == here ? v[c] : 0f;
                }
            }
        }
    }
}
