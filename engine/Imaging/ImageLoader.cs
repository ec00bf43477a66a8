using CnnEngine.Imaging.Decoding;
using CnnEngine.Imaging.Headers;

namespace CnnEngine.Imaging;

/// <summary>
/// Opens a JPEG, PNG, WebP, BMP or GIF (first frame) and returns it as RGB exactly as PIL's
/// <c>Image.open(path).convert('RGB')</c> would (see engine/Imaging/README.md for where and how much it differs).
/// Decoding is SkiaSharp's; before any pixel is decoded, the header is read here and checked against the budgets
/// of <see cref="ImageDecodeOptions"/>. Every failure is an <see cref="ImageException"/> whose message names the file.
/// </summary>
public static class ImageLoader
{
    public static RgbImage Load(string path) => Load(path, ImageDecodeOptions.Default);

    public static RgbImage Load(string path, ImageDecodeOptions options)
    {
        var (data, length) = ReadFile(path);
        try { return Load(data.AsSpan(0, length), path, options); }
        finally { ScratchBytes.Return(data); }
    }

    /// <param name="data">The whole encoded file.</param>
    /// <param name="name">What error messages call it (a path, or a description of the buffer).</param>
    public static RgbImage Load(ReadOnlySpan<byte> data, string name = "<image in memory>") => Load(data, name, ImageDecodeOptions.Default);

    public static RgbImage Load(ReadOnlySpan<byte> data, string name, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        HeaderFacts facts = ReadFacts(data, name, options);
        CheckBudgets(facts, data.Length, name, options);
        return SkiaDecoder.Decode(data, name, facts);
    }

    /// <summary>
    /// What the file's header declares (format, size), without decoding; throws like <see cref="Load(ReadOnlySpan{byte}, string)"/>
    /// for an unsupported or broken header, and for a JPEG with too many scans.
    /// </summary>
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> data, string name, ImageDecodeOptions? options = null) =>
        ReadFacts(data, name, options ?? ImageDecodeOptions.Default).Header;

    private static HeaderFacts ReadFacts(ReadOnlySpan<byte> data, string name, ImageDecodeOptions options)
    {
        if (data.Length > ImageLimits.MaxFileBytes)
            throw new ImageTooLargeException(name, $"file is {data.Length} bytes; refusing files over {ImageLimits.MaxFileBytes} bytes");
        return ImageFormatDetector.Detect(data) switch
        {
            ImageFormat.Png => PngHeaderReader.Read(data, name),
            ImageFormat.Jpeg => JpegHeaderReader.Read(data, name, options.MaxJpegScans),
            ImageFormat.WebP => SimpleHeaderReaders.WebP(data, name),
            ImageFormat.Bmp => SimpleHeaderReaders.Bmp(data, name),
            ImageFormat.Gif => SimpleHeaderReaders.Gif(data, name),
            _ => throw new UnsupportedImageFormatException(name, ImageFormatDetector.DescribeUnknown(data)),
        };
    }

    /// <summary>Megapixels, file plausibility and decode memory, all from the header: nothing is allocated before these pass.</summary>
    private static void CheckBudgets(HeaderFacts facts, long fileBytes, string name, ImageDecodeOptions options)
    {
        ImageHeader h = facts.Header;
        if (h.Pixels > options.MaxPixels)
            throw new ImageTooLargeException(name,
                $"{h} is {h.Pixels / 1e6:0.###} megapixels; refusing images over {options.MaxPixels / 1e6:0.###} megapixels (ImageDecodeOptions.MaxPixels raises the limit)");
        if (fileBytes < facts.MinimumCompleteFileBytes)
            throw new CorruptImageException(name,
                $"{h} is truncated: the file has {fileBytes} bytes, but a complete one needs at least {facts.MinimumCompleteFileBytes} ({facts.MinimumReason})");
        long decodeBytes = DecodeBytes(facts);
        if (decodeBytes > options.MaxDecodedBytes)
            throw new ImageTooLargeException(name,
                $"{h} needs {decodeBytes / 1048576.0:0.#} MB to decode; the limit is {options.MaxDecodedBytes / 1048576.0:0.#} MB (ImageDecodeOptions.MaxDecodedBytes raises it)");
    }

    /// <summary>The RGBA buffer the codec writes, the RGB result, and the codec's whole-picture buffers.</summary>
    internal static long DecodeBytes(HeaderFacts facts) =>
        facts.Header.Pixels * (4 + 3) + facts.CodecWorkingBytes;

    /// <returns>The file's bytes at the start of a rented array (give it back with <see cref="ScratchBytes.Return"/>), and their count.</returns>
    private static (byte[] Data, int Length) ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = path;
        if (string.IsNullOrWhiteSpace(path)) throw new ImageFileException("<empty path>", "no image path given");
        // Said before opening: the runtime reports a directory as "Access to the path is denied".
        if (Directory.Exists(path)) throw new ImageFileException(name, "is a directory, not an image file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > ImageLimits.MaxFileBytes)
                throw new ImageTooLargeException(name, $"file is {length} bytes; refusing files over {ImageLimits.MaxFileBytes} bytes");
            byte[] data = ScratchBytes.Rent((int)length);
            try { stream.ReadExactly(data, 0, (int)length); }
            catch { ScratchBytes.Return(data); throw; }
            return (data, (int)length);
        }
        catch (FileNotFoundException e) { throw new ImageFileException(name, "no such file", e); }
        catch (DirectoryNotFoundException e) { throw new ImageFileException(name, "no such file (directory does not exist)", e); }
        catch (UnauthorizedAccessException e) { throw new ImageFileException(name, "cannot read the file (permission denied)", e); }
        catch (EndOfStreamException e) { throw new ImageFileException(name, "the file changed while it was being read", e); }
        catch (IOException e) { throw new ImageFileException(name, "cannot read the file: " + e.Message, e); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ImageFileException(name, "not a usable file path: " + e.Message, e);
        }
    }
}
