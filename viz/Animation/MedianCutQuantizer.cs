namespace CnnEngine.Viz.Animation;

/// <summary>
/// Median-cut color quantization (Heckbert 1982) for GIF frames that are photographs or blends:
/// colors are binned to 5 bits per channel (32768 bins), the box of bins holding the most pixels (among those that
/// can still be split) is cut at the pixel median of its longest axis until there are up to 256 boxes, each box's
/// color is the mean of its pixels, and every pixel takes its box's index. Optional 4×4 ordered (Bayer) dithering;
/// off by default.
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

        var bin = new int[width * height];     // (H, W) bin of each pixel
        var count = new int[Bins];
        var sum = new long[Bins * 3];
        for (int y = 0, p = 0; y < height; y++)
            for (int x = 0; x < width; x++, p++)
            {
                int r = rgb[3 * p], g = rgb[3 * p + 1], b = rgb[3 * p + 2];
                if (orderedDither)
                {
                    // Offsets in −4..+3.5: one 5-bit step is 8 levels.
                    int t = Bayer4[(y & 3) * 4 + (x & 3)] / 2 - 4;
                    r = Math.Clamp(r + t, 0, 255); g = Math.Clamp(g + t, 0, 255); b = Math.Clamp(b + t, 0, 255);
                }
                int k = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3;
                bin[p] = k;
                count[k]++;
                sum[3 * k] += rgb[3 * p]; sum[3 * k + 1] += rgb[3 * p + 1]; sum[3 * k + 2] += rgb[3 * p + 2];
            }

        var boxes = new List<Box> { Shrink(new Box(0, Levels - 1, 0, Levels - 1, 0, Levels - 1, 0), count) };
        while (boxes.Count < maxColors)
        {
            int pick = -1;
            for (int i = 0; i < boxes.Count; i++)
                if (boxes[i].CanSplit && (pick < 0 || boxes[i].Pixels > boxes[pick].Pixels)) pick = i;
            if (pick < 0) break; // every box is a single bin
            var (a, b) = Split(boxes[pick], count);
            boxes[pick] = a;
            boxes.Add(b);
        }

        var palette = new byte[256 * 3];
        var binToIndex = new byte[Bins];
        for (int i = 0; i < boxes.Count; i++)
        {
            var box = boxes[i];
            long n = 0, sr = 0, sg = 0, sb = 0;
            for (int r = box.R0; r <= box.R1; r++)
                for (int g = box.G0; g <= box.G1; g++)
                    for (int b = box.B0; b <= box.B1; b++)
                    {
                        int k = r << 10 | g << 5 | b;
                        if (count[k] == 0) continue;
                        binToIndex[k] = (byte)i;
                        n += count[k]; sr += sum[3 * k]; sg += sum[3 * k + 1]; sb += sum[3 * k + 2];
                    }
            if (n > 0)
            {
                palette[3 * i] = (byte)((sr + n / 2) / n);
                palette[3 * i + 1] = (byte)((sg + n / 2) / n);
                palette[3 * i + 2] = (byte)((sb + n / 2) / n);
            }
        }

        var indices = new byte[width * height];
        for (int p = 0; p < indices.Length; p++) indices[p] = binToIndex[bin[p]];
        return (indices, palette);
    }

    private readonly record struct Box(int R0, int R1, int G0, int G1, int B0, int B1, long Pixels)
    {
        public bool CanSplit => R1 > R0 || G1 > G0 || B1 > B0;
    }

    /// <summary>Shrinks a box to the bounds of its non-empty bins and counts its pixels.</summary>
    private static Box Shrink(Box box, int[] count)
    {
        int r0 = int.MaxValue, r1 = -1, g0 = int.MaxValue, g1 = -1, b0 = int.MaxValue, b1 = -1;
        long pixels = 0;
        for (int r = box.R0; r <= box.R1; r++)
            for (int g = box.G0; g <= box.G1; g++)
                for (int b = box.B0; b <= box.B1; b++)
                {
                    int n = count[r << 10 | g << 5 | b];
                    if (n == 0) continue;
                    pixels += n;
                    r0 = Math.Min(r0, r); r1 = Math.Max(r1, r);
                    g0 = Math.Min(g0, g); g1 = Math.Max(g1, g);
                    b0 = Math.Min(b0, b); b1 = Math.Max(b1, b);
                }
        return pixels == 0 ? box with { Pixels = 0 } : new Box(r0, r1, g0, g1, b0, b1, pixels);
    }

    /// <summary>Cuts a box across its longest axis where half its pixels lie on each side.</summary>
    private static (Box, Box) Split(Box box, int[] count)
    {
        int lr = box.R1 - box.R0, lg = box.G1 - box.G0, lb = box.B1 - box.B0;
        int axis = lr >= lg && lr >= lb ? 0 : lg >= lb ? 1 : 2;
        int lo = axis == 0 ? box.R0 : axis == 1 ? box.G0 : box.B0;
        int hi = axis == 0 ? box.R1 : axis == 1 ? box.G1 : box.B1;

        var marginal = new long[Levels];
        for (int r = box.R0; r <= box.R1; r++)
            for (int g = box.G0; g <= box.G1; g++)
                for (int b = box.B0; b <= box.B1; b++)
                    marginal[axis == 0 ? r : axis == 1 ? g : b] += count[r << 10 | g << 5 | b];

        long half = box.Pixels / 2, running = 0;
        int cut = lo; // last plane of the lower half
        for (int v = lo; v < hi; v++)
        {
            running += marginal[v];
            cut = v;
            if (running >= half) break;
        }
        Box lower = axis switch
        {
            0 => box with { R1 = cut }, 1 => box with { G1 = cut }, _ => box with { B1 = cut },
        };
        Box upper = axis switch
        {
            0 => box with { R0 = cut + 1 }, 1 => box with { G0 = cut + 1 }, _ => box with { B0 = cut + 1 },
        };
        return (Shrink(lower, count), Shrink(upper, count));
    }
}
