using CnnEngine.Imaging;
using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>Turns input-space tensors (projections, images) into pictures.</summary>
internal static class ProjectionPicture
{
    /// <summary>
    /// A projection (1, H, W, 3) BGR as an RGB picture: grey (128) is zero, and the largest magnitude over all three
    /// channels maps to 1 or 255, so the sign and relative strength of every pixel stay visible (no per-channel
    /// stretching that would invent colours). An all-zero projection is flat grey.
    /// </summary>
    public static RgbCanvas Normalized(Tensor projection, int n = 0) => Normalized(projection, bgr: true, n);

    /// <summary>
    /// The same for any model's input space: (1, H, W, C) with C = 3 (BGR when <paramref name="bgr"/>, else RGB) or
    /// C = 1 (grey).
    /// </summary>
    public static RgbCanvas Normalized(Tensor projection, bool bgr, int n = 0)
    {
        int h = projection.Shape[1], w = projection.Shape[2], c = projection.Shape[3];
        var values = projection.Image(n); // (H, W, C)
        float max = 0;
        foreach (float v in values) if (float.IsFinite(v)) max = MathF.Max(max, MathF.Abs(v));
        float scale = max > 0 ? 127f / max : 0;
        var canvas = new RgbCanvas(w, h);
        for (int p = 0; p < h * w; p++)
        for (int k = 0; k < 3; k++)
        {
            int source = c == 1 ? 0 : bgr ? 2 - k : k;
            canvas.Pixels[3 * p + k] = ToByte(128 + values[c * p + source] * scale);
        }
        return canvas;
    }

    /// <summary>The preprocessed input (1, H, W, 3) back as the RGB picture the network saw.</summary>
    public static RgbCanvas Input(Tensor input, int n = 0)
    {
        var rgb = KerasPreprocess.ToRgbImage(input, n);
        return new RgbCanvas(rgb.Width, rgb.Height, rgb.Pixels);
    }

    public static RgbCanvas Crop(RgbCanvas source, int x0, int y0, int x1, int y1)
    {
        var c = new RgbCanvas(Math.Max(1, x1 - x0), Math.Max(1, y1 - y0));
        for (int y = y0; y < y1; y++)
            source.Pixels.AsSpan((y * source.Width + x0) * 3, (x1 - x0) * 3).CopyTo(c.Pixels.AsSpan((y - y0) * c.Width * 3));
        return c;
    }

    /// <summary>Nearest-neighbour scale to an exact size (keeps the blocky look of a map; bilinear would blur cells).</summary>
    public static RgbCanvas ScaleNearest(RgbCanvas source, int width, int height)
    {
        var c = new RgbCanvas(width, height);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int sy = (int)((long)y * source.Height / height), sx = (int)((long)x * source.Width / width);
            source.Pixels.AsSpan((sy * source.Width + sx) * 3, 3).CopyTo(c.Pixels.AsSpan((y * width + x) * 3));
        }
        return c;
    }

    /// <summary>A 2-D float map (rows, cols) through a colormap, min → 0 and max → 255.</summary>
    public static RgbCanvas Heatmap(float[] map, int rows, int cols, Colormap colormap)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in map) { if (!float.IsFinite(v)) continue; min = MathF.Min(min, v); max = MathF.Max(max, v); }
        float range = max > min ? max - min : 1;
        var c = new RgbCanvas(cols, rows);
        for (int i = 0; i < map.Length; i++)
        {
            int level = float.IsFinite(map[i]) ? (int)MathF.Round((map[i] - min) / range * 255) : 0;
            var rgb = colormap[Math.Clamp(level, 0, 255)];
            c.Pixels[3 * i] = rgb.R; c.Pixels[3 * i + 1] = rgb.G; c.Pixels[3 * i + 2] = rgb.B;
        }
        return c;
    }

    /// <summary>A labelled tile: a caption strip above the picture.</summary>
    public static RgbCanvas Captioned(RgbCanvas picture, string caption)
    {
        int strip = BitmapFont.LineHeight + 4;
        var c = new RgbCanvas(picture.Width, picture.Height + strip);
        c.Fill(Rgb.Black);
        BitmapFont.Draw(c, 2, 2, Fit(caption, picture.Width), Rgb.White);
        c.Blit(picture, 0, strip);
        return c;
    }

    /// <summary>Pictures side by side with a gap, on a dark background.</summary>
    public static RgbCanvas Row(IReadOnlyList<RgbCanvas> pictures, int gap = 4)
    {
        int w = pictures.Sum(p => p.Width) + gap * (pictures.Count + 1), h = pictures.Max(p => p.Height) + 2 * gap;
        var c = new RgbCanvas(w, h);
        c.Fill(Rgb.Separator);
        int x = gap;
        foreach (var p in pictures) { c.Blit(p, x, gap); x += p.Width + gap; }
        return c;
    }

    /// <summary>Rows of pictures stacked (each row already built with <see cref="Row"/>).</summary>
    public static RgbCanvas Stack(IReadOnlyList<RgbCanvas> rows)
    {
        var c = new RgbCanvas(rows.Max(r => r.Width), rows.Sum(r => r.Height));
        c.Fill(Rgb.Separator);
        int y = 0;
        foreach (var r in rows) { c.Blit(r, 0, y); y += r.Height; }
        return c;
    }

    private static string Fit(string text, int width)
    {
        int chars = Math.Max(1, (width - 4) / BitmapFont.Advance);
        text = new string(text.Select(ch => BitmapFont.HasGlyph(ch) ? ch : '?').ToArray());
        return text.Length <= chars ? text : text[..chars];
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
}
