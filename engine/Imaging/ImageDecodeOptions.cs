namespace CnnEngine.Imaging;

/// <summary>The budgets one decode runs under (defaults in <see cref="ImageLimits"/>); raise them for trusted large pictures.</summary>
public sealed record ImageDecodeOptions
{
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Refuse pictures whose header declares more pixels than this.</summary>
    public long MaxPixels { get; init; } = ImageLimits.MaxPixels;

    /// <summary>Refuse pictures whose decode would need more memory than this (estimated from the header).</summary>
    public long MaxDecodedBytes { get; init; } = ImageLimits.MaxDecodedBytes;

    /// <summary>Refuse JPEGs with more scans (SOS markers) than this.</summary>
    public int MaxJpegScans { get; init; } = ImageLimits.MaxJpegScans;
}
