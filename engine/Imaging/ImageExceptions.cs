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

/// <summary>The file could not be read at all (missing, a directory, no permission).</summary>
public sealed class ImageFileException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);

/// <summary>Not a PNG or JPEG, or a flavour we refuse (CMYK/YCCK JPEG).</summary>
public sealed class UnsupportedImageFormatException(string source, string problem)
    : ImageException(source, problem);

/// <summary>The file claims to be a PNG/JPEG but its bytes are broken or cut short.</summary>
public sealed class CorruptImageException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);

/// <summary>The header announces more than <see cref="ImageLimits.MaxPixels"/>; refused before decoding.</summary>
public sealed class ImageTooLargeException(string source, string problem)
    : ImageException(source, problem);

/// <summary>The network input would be smaller than <see cref="ImageLimits.MinNetworkSide"/> on a side.</summary>
public sealed class ImageTooSmallException(string source, string problem)
    : ImageException(source, problem);

/// <summary>libturbojpeg.so.0 is not installed (or too old to have the TurboJPEG 2.x API).</summary>
public sealed class JpegLibraryMissingException(string source, string problem, Exception? inner = null)
    : ImageException(source, problem, inner);
