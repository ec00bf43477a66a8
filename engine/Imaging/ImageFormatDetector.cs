namespace CnnEngine.Imaging;

public enum ImageFormat { Unknown, Png, Jpeg }

/// <summary>Tells a file's format from its first bytes (never from its extension).</summary>
public static class ImageFormatDetector
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageFormat Detect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        return ImageFormat.Unknown;
    }

    /// <summary>A short description of what an unsupported file looks like, for the error message.</summary>
    public static string DescribeUnknown(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return "the file is empty";
        if (data.StartsWith("GIF8"u8)) return "this is a GIF image; only PNG and JPEG are supported";
        if (data.StartsWith("BM"u8)) return "this looks like a BMP image; only PNG and JPEG are supported";
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
            return "this is a WebP image; only PNG and JPEG are supported";
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8)) return "this is a TIFF image; only PNG and JPEG are supported";
        if (data.Length >= 8 && data.Slice(4, 4).SequenceEqual("ftyp"u8)) return "this is an ISO media file (HEIC/AVIF/MP4); only PNG and JPEG are supported";
        if (data.StartsWith(PngSignature[..4])) return "not a PNG/JPEG image (PNG signature is damaged)";
        return "not a PNG or JPEG image (unrecognised first bytes " + Convert.ToHexString(data[..Math.Min(8, data.Length)]) + ")";
    }
}
