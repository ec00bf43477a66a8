namespace CnnEngine.Viz.Live;

/// <summary>How big an uploaded picture may be: its bytes, and the pixels its header announces (checked before decoding).</summary>
public sealed record UploadLimits(long MaxBytes, long MaxPixels)
{
    /// <summary>20 MB and 40 megapixels: every camera photo fits, a decompression bomb does not.</summary>
    public static UploadLimits Default { get; } = new(20L << 20, 40_000_000);

    /// <summary>Throws <see cref="LiveException"/> (TooLarge / Unreadable) unless the bytes may be decoded.</summary>
    public void Check(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length == 0) throw new LiveException(LiveProblem.Unreadable, $"{name}: the upload is empty");
        if (data.Length > MaxBytes)
            throw new LiveException(LiveProblem.TooLarge, $"{name}: {data.Length} bytes; uploads are limited to {MaxBytes} bytes");
        var format = CnnEngine.Imaging.ImageFormatDetector.Detect(data);
        if (format == CnnEngine.Imaging.ImageFormat.Unknown)
            throw new LiveException(LiveProblem.Unreadable, $"{name}: {CnnEngine.Imaging.ImageFormatDetector.DescribeUnknown(data)}");
        if (ImageHeaderProbe.TryReadSize(data) is var (w, h))
        {
            if (w <= 0 || h <= 0) throw new LiveException(LiveProblem.Unreadable, $"{name}: the header announces a {w}x{h} image");
            if (w * h > MaxPixels)
                throw new LiveException(LiveProblem.TooLarge,
                    $"{name}: {w}x{h} = {w * h / 1e6:0.#} megapixels; uploads are limited to {MaxPixels / 1e6:0.#} megapixels");
        }
    }
}
