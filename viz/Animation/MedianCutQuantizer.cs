namespace CnnEngine.Viz.Animation;

/// <summary>
/// Median-cut color quantization (Heckbert 1982) for GIF frames that are photographs or blends:
/// colors are binned to 5 bits per channel; the occupied bins are the items to partition. The box holding the most
/// pixels (among those with more than one bin) is cut across its longest axis at the pixel median until there are
/// up to 256 boxes; each box's color is the mean of its pixels and every pixel takes its box's index.
/// Optional 4×4 ordered (Bayer) dithering before binning; off by default.
/// </summary>
public static class MedianCutQuantizer
{
    private const int Bits = 5, Levels = 1 << Bits, Bins = Levels * Levels * Levels;

    private static readonly int[] Bayer4 = { 0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5 };

    /// <summary>Quantizes RGB pixels (H, W, 3) to at most <paramref name="maxColors"/> colors.</summary>
    /// <returns>Indices (H, W) and a 256-entry palette (256, 3); unused entries are black.</returns>
    public static (byte[] Indices, byte[] Palette) Quantize(ReadOnlySpan<byte> rgb, int width, int height,
        int maxColors = 256, bool orderedDither = false)
    {
        if (maxColors < 1 || maxColors > 256) throw new ArgumentOutOfRangeException(nameof(maxColors));
        if (rgb.Length != width * height * 3) throw new ArgumentException($"rgb has {rgb.Length} bytes, {width}x{height}x3 needs {width * height * 3}");

        var bin = new ushort[width * height];  // (H, W) bin of each pixel
        var count = new int[Bins];
        var sum = new long[Bins * 3];
        for (int y = 0, p = 0; y < height; y++)
            for (int x = 0; x < width; x++, p++)
            {
                int r = rgb[3 * p], g = rgb[3 * p + 1], b = rgb[3 * p + 2];
                if (orderedDither)
                {
                    int t = Bayer4[(y & 3) * 4 + (x & 3)] / 2 - 4; // −4..+3: about half a 5-bit step
                    r = Math.Clamp(r + t, 0, 255); g = Math.Clamp(g + t, 0, 255); b = Math.Clamp(b + t, 0, 255);
                }
                int k = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3;
                bin[p] = (ushort)k;
                count[k]++;
                sum[3 * k] += rgb[3 * p]; sum[3 * k + 1] += rgb[3 * p + 1]; sum[3 * k + 2] += rgb[3 * p + 2];
            }

        // The occupied bins; each box is a contiguous slice of this array.
        var items = new int[Bins];
        int occupied = 0;
        for (int k = 0; k < Bins; k++) if (count[k] > 0) items[occupied++] = k;

        var boxes = new List<(int Start, int End, long Pixels)> { (0, occupied, width * (long)height) };
        var keys = new int[occupied];
        while (boxes.Count < maxColors)
        {
            int pick = -1;
            for (int i = 0; i < boxes.Count; i++)
                if (boxes[i].End - boxes[i].Start > 1 && (pick < 0 || boxes[i].Pixels > boxes[pick].Pixels)) pick = i;
            if (pick < 0) break; // every box is a single bin
            var (start, end, pixels) = boxes[pick];
            int cut = Split(items.AsSpan(start, end - start), keys.AsSpan(start, end - start), count, pixels);
            long lower = 0;
            for (int i = start; i < start + cut; i++) lower += count[items[i]];
            boxes[pick] = (start, start + cut, lower);
            boxes.Add((start + cut, end, pixels - lower));
        }

        var palette = new byte[256 * 3];
        var binToIndex = new byte[Bins];
        for (int i = 0; i < boxes.Count; i++)
        {
            long n = 0, sr = 0, sg = 0, sb = 0;
            for (int j = boxes[i].Start; j < boxes[i].End; j++)
            {
                int k = items[j];
                binToIndex[k] = (byte)i;
                n += count[k]; sr += sum[3 * k]; sg += sum[3 * k + 1]; sb += sum[3 * k + 2];
            }
            if (n == 0) continue;
            palette[3 * i] = (byte)((sr + n / 2) / n);
            palette[3 * i + 1] = (byte)((sg + n / 2) / n);
            palette[3 * i + 2] = (byte)((sb + n / 2) / n);
        }

        var indices = new byte[width * height];
        for (int p = 0; p < indices.Length; p++) indices[p] = binToIndex[bin[p]];
        return (indices, palette);
    }

    /// <summary>
    /// Sorts a box's bins along its longest axis and returns how many go to the lower half: the first position where
    /// the running pixel count reaches half, kept inside 1..n−1 so both halves are non-empty.
    /// </summary>
    private static int Split(Span<int> bins, Span<int> keys, int[] count, long pixels)
    {
        int r0 = Levels, r1 = -1, g0 = Levels, g1 = -1, b0 = Levels, b1 = -1;
        foreach (int k in bins)
        {
            int r = k >> 10, g = (k >> 5) & 31, b = k & 31;
            r0 = Math.Min(r0, r); r1 = Math.Max(r1, r);
            g0 = Math.Min(g0, g); g1 = Math.Max(g1, g);
            b0 = Math.Min(b0, b); b1 = Math.Max(b1, b);
        }
        int shift = r1 - r0 >= g1 - g0 && r1 - r0 >= b1 - b0 ? 10 : g1 - g0 >= b1 - b0 ? 5 : 0;
        for (int i = 0; i < bins.Length; i++) keys[i] = (bins[i] >> shift) & 31;
        keys.Sort(bins);

        long half = pixels / 2, running = 0;
        int cut = 1;
        for (int i = 0; i < bins.Length - 1; i++)
        {
            running += count[bins[i]];
            cut = i + 1;
            if (running >= half) break;
        }
        return cut;
    }
}
