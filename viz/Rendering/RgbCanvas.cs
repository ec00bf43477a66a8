namespace CnnEngine.Viz.Rendering;

/// <summary>An 8-bit RGB picture: Pixels is (H, W, 3), row-major.</summary>
public sealed class RgbCanvas
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; } // (H, W, 3)

    public RgbCanvas(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"canvas size must be positive, got {width}x{height}");
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height * 3)];
    }

    public RgbCanvas(int width, int height, byte[] pixels)
    {
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"pixels has {pixels.Length} bytes, {width}x{height}x3 needs {(long)width * height * 3}");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public void Fill(Rgb color) => FillRect(0, 0, Width, Height, color);

    /// <summary>Fills a rectangle, clipped to the canvas.</summary>
    public void FillRect(int x, int y, int w, int h, Rgb color)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        int x1 = Math.Min(Width, x + w), y1 = Math.Min(Height, y + h);
        if (x0 >= x1 || y0 >= y1) return;
        // Paint the first row, then copy it down: no per-pixel work past the first row.
        Span<byte> first = Pixels.AsSpan((y0 * Width + x0) * 3, (x1 - x0) * 3);
        for (int i = 0; i < first.Length; i += 3) { first[i] = color.R; first[i + 1] = color.G; first[i + 2] = color.B; }
        for (int yy = y0 + 1; yy < y1; yy++) first.CopyTo(Pixels.AsSpan((yy * Width + x0) * 3));
    }

    public void SetPixel(int x, int y, Rgb color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        Pixels[i] = color.R; Pixels[i + 1] = color.G; Pixels[i + 2] = color.B;
    }

    public Rgb GetPixel(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    /// <summary>Copies another canvas in at (x, y), clipped.</summary>
    public void Blit(RgbCanvas source, int x, int y)
    {
        int sx0 = Math.Max(0, -x), sy0 = Math.Max(0, -y);
        int w = Math.Min(source.Width - sx0, Width - Math.Max(0, x));
        for (int sy = sy0; sy < source.Height; sy++)
        {
            int dy = y + sy;
            if (dy >= Height) break;
            if (w <= 0) break;
            source.Pixels.AsSpan((sy * source.Width + sx0) * 3, w * 3)
                .CopyTo(Pixels.AsSpan((dy * Width + x + sx0) * 3));
        }
    }
}

/// <summary>One 8-bit RGB color.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb White = new(255, 255, 255);
    public static readonly Rgb Separator = new(48, 48, 48);
    public static readonly Rgb Warning = new(200, 30, 30);
}
