namespace CnnEngine.Imaging;

/// <summary>
/// Base of every error about an input picture. <see cref="Exception.Message"/> is one line that starts with the
/// file's name, fit to print as-is by a CLI.
/// </summary>
public abstract class ImageException : Exception
{
    /// <summary>The file (or the name given for an in-memory buffer) the error is about.</summary>
    public string ImageName { get; }

    protected ImageException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        ImageName = source;
    }
}

/// <summary>The file could not be read at all (missing, a directory, not a regular file, no permission).</summary>
public sealed class ImageFileException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);

/// <summary>Not a JPEG, PNG, WebP, BMP or GIF, or a flavour the codecs cannot read.</summary>
public sealed class UnsupportedImageFormatException(string source, string problem)
    : ImageException(source, problem);

/// <summary>The file claims to be an image but its bytes are broken or cut short.</summary>
public sealed class CorruptImageException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);

/// <summary>
/// Refused before decoding by a budget of <see cref="ImageDecodeOptions"/>: more pixels than
/// <see cref="ImageLimits.MaxPixels"/>, more decode memory than <see cref="ImageLimits.MaxDecodedBytes"/>, or more
/// JPEG scans than <see cref="ImageLimits.MaxJpegScans"/>.
/// </summary>
public sealed class ImageTooLargeException(string source, string problem)
    : ImageException(source, problem);

/// <summary>The network input would be smaller than <see cref="ImageLimits.MinNetworkSide"/> on a side.</summary>
public sealed class ImageTooSmallException(string source, string problem)
    : ImageException(source, problem);

/// <summary>SkiaSharp's native library could not be loaded (a platform without SkiaSharp native assets).</summary>
public sealed class ImageCodecMissingException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);
