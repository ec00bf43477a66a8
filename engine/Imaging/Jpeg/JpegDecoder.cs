using System.Runtime.InteropServices;

namespace CnnEngine.Imaging.Jpeg;

/// <summary>
/// Decodes JPEG through libjpeg-turbo's TurboJPEG API into RGB: baseline, progressive, arithmetic, grayscale
/// (replicated to R=G=B, as PIL's L→RGB). Default flags (accurate integer DCT, fancy upsampling) are libjpeg's
/// defaults, which PIL uses too, so pixels equal PIL's decode with the same libjpeg-turbo.
/// CMYK and YCCK are refused (PIL would invert Adobe CMYK; a network trained on RGB should not guess).
/// </summary>
internal static class JpegDecoder
{
    public static unsafe RgbImage Decode(ReadOnlySpan<byte> file, string name)
    {
        using TurboJpegHandle handle = CreateHandle(name);
        fixed (byte* jpeg = file)
        {
            var size = new CULong((nuint)file.Length);
            // Zeroed here: a header too broken to parse leaves them unset, and 0 is then caught below.
            int width = 0, height = 0, subsampling = 0, colorspace = -1;
            if (TurboJpegNative.tjDecompressHeader3(handle, jpeg, size, &width, &height, &subsampling, &colorspace) != 0)
                ThrowUnlessHarmlessWarning(handle, name, "JPEG header is unreadable: ");
            if (width <= 0 || height <= 0)
                throw new CorruptImageException(name, $"JPEG header has an invalid size {width}x{height}");
            ImageLoader.CheckSize(width, height, name, "JPEG");
            if (colorspace is TurboJpegNative.ColorspaceCmyk or TurboJpegNative.ColorspaceYcck)
                throw new UnsupportedImageFormatException(name,
                    $"JPEG is {(colorspace == TurboJpegNative.ColorspaceCmyk ? "CMYK" : "YCCK")}; only RGB, YCbCr and grayscale JPEGs are supported (convert it to RGB first)");
            if (colorspace is not (TurboJpegNative.ColorspaceRgb or TurboJpegNative.ColorspaceYCbCr or TurboJpegNative.ColorspaceGray))
                throw new UnsupportedImageFormatException(name, $"JPEG has an unknown color space ({colorspace})");

            var image = new RgbImage(width, height);
            fixed (byte* rgb = image.Pixels) // (H, W, 3)
            {
                int status = TurboJpegNative.tjDecompress2(handle, jpeg, size, rgb, width, width * 3, height, TurboJpegNative.PixelFormatRgb, 0);
                if (status != 0) ThrowUnlessHarmlessWarning(handle, name, "JPEG is corrupt or truncated: ");
            }
            return image;
        }
    }

    /// <summary>
    /// TurboJPEG returns -1 for warnings as well as errors. Errors, and warnings that mean lost data, throw; other
    /// warnings (e.g. "extraneous bytes before marker") leave a whole picture, and PIL accepts those files too.
    /// </summary>
    private static void ThrowUnlessHarmlessWarning(TurboJpegHandle handle, string name, string context)
    {
        string message = TurboJpegNative.LastError(handle);
        bool fatal = TurboJpegNative.tjGetErrorCode(handle) != TurboJpegNative.ErrorWarning;
        // libjpeg's "Unsupported JPEG process", "Unsupported JPEG data precision 12", …: valid files we cannot read.
        if (fatal && message.StartsWith("Unsupported", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedImageFormatException(name, "JPEG flavour not supported by libjpeg-turbo: " + message);
        if (fatal || IsDamage(message)) throw new CorruptImageException(name, context + message);
    }

    /// <summary>
    /// libjpeg reports a cut-off file only as a warning ("Premature end of JPEG file") and fills the rest with gray;
    /// bad entropy data likewise. Those would be silent wrong pictures, so they are errors here.
    /// </summary>
    private static bool IsDamage(string warning) =>
        warning.Contains("Premature end", StringComparison.OrdinalIgnoreCase)
        || warning.Contains("Huffman", StringComparison.OrdinalIgnoreCase);

    /// <summary>Test seam: lets a test stand in for a machine without libturbojpeg (the real call binds on first use).</summary>
    internal static Func<TurboJpegHandle> InitDecompress = TurboJpegNative.tjInitDecompress;

    private static TurboJpegHandle CreateHandle(string name)
    {
        TurboJpegHandle handle;
        try
        {
            handle = InitDecompress();
        }
        catch (DllNotFoundException e)
        {
            throw new JpegLibraryMissingException(name,
                $"cannot decode JPEG: {TurboJpegNative.Library} is not installed (Debian/Ubuntu: sudo apt-get install libturbojpeg0)", e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new JpegLibraryMissingException(name,
                $"cannot decode JPEG: {TurboJpegNative.Library} lacks the TurboJPEG 2.x API (install libturbojpeg0 from libjpeg-turbo 2.x)", e);
        }
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new CorruptImageException(name, "cannot decode JPEG: tjInitDecompress failed");
        }
        return handle;
    }
}
