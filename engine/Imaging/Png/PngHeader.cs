using System.Buffers.Binary;

namespace CnnEngine.Imaging.Png;

internal enum PngColorType : byte { Gray = 0, Rgb = 2, Palette = 3, GrayAlpha = 4, Rgba = 6 }

/// <summary>The IHDR chunk, validated against the PNG specification's table of legal color type / bit depth pairs.</summary>
internal sealed record PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
{
    public int Channels => ColorType switch
    {
        PngColorType.Gray => 1,
        PngColorType.Rgb => 3,
        PngColorType.Palette => 1,
        PngColorType.GrayAlpha => 2,
        _ => 4,
    };

    public int BitsPerPixel => Channels * BitDepth;

    /// <summary>The filter's "bpp": bytes per complete pixel, rounded up to 1 (PNG spec 9.2).</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Bytes of one unfiltered row of <paramref name="pixels"/> pixels, without the filter-type byte.</summary>
    public long RowBytes(int pixels) => ((long)pixels * BitsPerPixel + 7) / 8;

    public static PngHeader Parse(ReadOnlySpan<byte> ihdr, string name)
    {
        if (ihdr.Length != 13) throw new CorruptImageException(name, $"PNG IHDR chunk is {ihdr.Length} bytes, expected 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        byte bitDepth = ihdr[8], colorType = ihdr[9], compression = ihdr[10], filter = ihdr[11], interlace = ihdr[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new CorruptImageException(name, $"PNG header has an invalid size {width}x{height}");
        bool legal = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!legal) throw new CorruptImageException(name, $"PNG header has an illegal color type {colorType} with bit depth {bitDepth}");
        if (compression != 0) throw new CorruptImageException(name, $"PNG header has unknown compression method {compression}");
        if (filter != 0) throw new CorruptImageException(name, $"PNG header has unknown filter method {filter}");
        if (interlace > 1) throw new CorruptImageException(name, $"PNG header has unknown interlace method {interlace}");
        return new PngHeader((int)width, (int)height, bitDepth, (PngColorType)colorType, interlace == 1);
    }
}
