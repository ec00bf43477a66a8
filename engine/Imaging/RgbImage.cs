namespace CnnEngine.Imaging;

/// <summary>
/// An 8-bit RGB picture, exactly what PIL holds after <c>img.convert('RGB')</c>.
/// Pixels are row-major, interleaved: index (y * Width + x) * 3 + c, c = 0 R, 1 G, 2 B.
/// </summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    /// <summary>(H, W, 3) RGB, uint8.</summary>
    public byte[] Pixels { get; }

    public RgbImage(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height * 3)];
    }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"pixels has {pixels.Length} bytes but a {width}x{height} RGB image needs {(long)width * height * 3}");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public long PixelCount => (long)Width * Height;

    /// <summary>One row as a span over (W, 3).</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * 3, Width * 3);

    public override string ToString() => $"RgbImage {Width}x{Height}";
}

/// <summary>A picture size in pixels, width first as PIL spells it (Keras's target_size is (height, width)).</summary>
public readonly record struct ImageSize(int Width, int Height)
{
    /// <summary>What VGG16 with its top (fc layers) needs.</summary>
    public static ImageSize Vgg16Top => new(224, 224);

    public override string ToString() => $"{Width}x{Height}";
}
