namespace CnnEngine.Imaging;

public enum ImageFormat { Unknown, Png, Jpeg, WebP, Bmp, Gif }

/// <summary>Tells a file's format from its first bytes (never from its extension).</summary>
public static class ImageFormatDetector
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageFormat Detect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return ImageFormat.WebP;
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return ImageFormat.Gif;
        if (data.Length >= 18 && data.StartsWith("BM"u8)) return ImageFormat.Bmp;
        return ImageFormat.Unknown;
    }

    public static string Name(ImageFormat format) => format switch
    {
        ImageFormat.Png => "PNG",
        ImageFormat.Jpeg => "JPEG",
        ImageFormat.WebP => "WebP",
        ImageFormat.Bmp => "BMP",
        ImageFormat.Gif => "GIF",
        _ => "image",
    };

    private const string Supported = "supported: JPEG, PNG, WebP, BMP, GIF";

    /// <summary>A short description of what an unsupported file looks like, for the error message.</summary>
    public static string DescribeUnknown(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return "the file is empty";
        if (data.StartsWith("GIF8"u8)) return "GIF signature is damaged (not GIF87a or GIF89a)";
        if (data.StartsWith("BM"u8)) return "BMP file is truncated inside its header";
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8)) return $"this is a TIFF image; {Supported}";
        if (data.Length >= 8 && data.Slice(4, 4).SequenceEqual("ftyp"u8)) return $"this is an ISO media file (HEIC/AVIF/MP4); {Supported}";
        if (data.StartsWith(PngSignature[..4])) return "PNG signature is damaged";
        if (data.Length >= 2 && data[0] == 0xFF && data[1] == 0xD8) return "JPEG is truncated or damaged right after its start marker";
        return $"not an image ({Supported}; unrecognised first bytes {Convert.ToHexString(data[..Math.Min(8, data.Length)])})";
    }
}
