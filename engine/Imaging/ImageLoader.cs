using CnnEngine.Imaging.Jpeg;
using CnnEngine.Imaging.Png;

namespace CnnEngine.Imaging;

/// <summary>
/// Opens a PNG or JPEG and returns it as RGB exactly as PIL's <c>Image.open(path).convert('RGB')</c> would.
/// Every failure is an <see cref="ImageException"/> whose message names the file.
/// </summary>
public static class ImageLoader
{
    public static RgbImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = path;
        if (string.IsNullOrWhiteSpace(path)) throw new ImageFileException("<empty path>", "no image path given");
        byte[] data;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > ImageLimits.MaxFileBytes)
                throw new ImageTooLargeException(name, $"file is {length} bytes; refusing files over {ImageLimits.MaxFileBytes} bytes");
            data = new byte[length];
            stream.ReadExactly(data);
        }
        catch (FileNotFoundException e) { throw new ImageFileException(name, "no such file", e); }
        catch (DirectoryNotFoundException e) { throw new ImageFileException(name, "no such file (directory does not exist)", e); }
        catch (UnauthorizedAccessException e) { throw new ImageFileException(name, "cannot read the file: " + e.Message, e); }
        catch (EndOfStreamException e) { throw new ImageFileException(name, "the file changed while it was being read", e); }
        catch (IOException e) { throw new ImageFileException(name, "cannot read the file: " + e.Message, e); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ImageFileException(name, "not a usable file path: " + e.Message, e);
        }
        return Load(data, name);
    }

    /// <param name="data">The whole encoded file.</param>
    /// <param name="name">What error messages call it (a path, or a description of the buffer).</param>
    public static RgbImage Load(ReadOnlySpan<byte> data, string name = "<image in memory>")
    {
        return ImageFormatDetector.Detect(data) switch
        {
            ImageFormat.Png => PngDecoder.Decode(data, name),
            ImageFormat.Jpeg => JpegDecoder.Decode(data, name),
            _ => throw new UnsupportedImageFormatException(name, ImageFormatDetector.DescribeUnknown(data)),
        };
    }

    /// <summary>Throws <see cref="ImageTooLargeException"/> when a header's size is over the limit. Decoders call it before allocating.</summary>
    internal static void CheckSize(long width, long height, string name, string format)
    {
        if (width * height > ImageLimits.MaxPixels)
            throw new ImageTooLargeException(name,
                $"{format} is {width}x{height} = {width * height / 1e6:0.#} megapixels; refusing images over {ImageLimits.MaxPixels / 1_000_000} megapixels");
    }
}
