namespace CnnEngine.Viz.Rendering;

/// <summary>Picture resampling for animation frames.</summary>
public static class Resample
{
    /// <summary>Bilinear resize of an RGB picture (pixel centers aligned, edges clamped).</summary>
    public static RgbCanvas Bilinear(RgbCanvas source, int width, int height)
    {
        var result = new RgbCanvas(width, height);
        byte[] src = source.Pixels, dst = result.Pixels;
        int sw = source.Width, sh = source.Height;
        double sx = (double)sw / width, sy = (double)sh / height;
        for (int y = 0; y < height; y++)
        {
            double fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, sh - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, sh - 1);
            double wy = fy - y0;
            for (int x = 0; x < width; x++)
            {
                double fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, sw - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, sw - 1);
                double wx = fx - x0;
                for (int c = 0; c < 3; c++)
                {
                    double top = src[(y0 * sw + x0) * 3 + c] * (1 - wx) + src[(y0 * sw + x1) * 3 + c] * wx;
                    double bottom = src[(y1 * sw + x0) * 3 + c] * (1 - wx) + src[(y1 * sw + x1) * 3 + c] * wx;
                    dst[(y * width + x) * 3 + c] = (byte)(top * (1 - wy) + bottom * wy + 0.5);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// For each of <paramref name="outputs"/> output pixels, the source range [start, end) it covers when a side of
    /// <paramref name="inputs"/> pixels is stretched over it: box averaging when shrinking, nearest when enlarging.
    /// </summary>
    public static (int Start, int End)[] Spans(int inputs, int outputs)
    {
        var spans = new (int, int)[outputs];
        for (int o = 0; o < outputs; o++)
        {
            int a = (int)((long)o * inputs / outputs);
            int b = (int)((long)(o + 1) * inputs / outputs);
            spans[o] = (a, Math.Max(b, a + 1));
        }
        return spans;
    }
}
