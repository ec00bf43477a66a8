namespace CnnEngine.Imaging;

/// <summary>What a file's header declares, read without decoding a pixel (<see cref="ImageLoader.ReadHeader"/>).</summary>
public sealed record ImageHeader(ImageFormat Format, int Width, int Height)
{
    public long Pixels => (long)Width * Height;

    public override string ToString() => $"{ImageFormatDetector.Name(Format)} {Width}x{Height}";
}

/// <summary>
/// The header plus what the budgets need: the codec's own whole-picture buffers and the fewest bytes a complete file
/// of that size can have (so a tiny file declaring a huge picture is refused as truncated before anything is allocated).
/// </summary>
internal sealed record HeaderFacts(ImageHeader Header)
{
    /// <summary>Buffers the codec allocates for the whole picture besides our output (progressive JPEG coefficients, interlaced PNG rows).</summary>
    public long CodecWorkingBytes { get; init; }

    /// <summary>A complete file of this header cannot be smaller (0: no useful bound for this format).</summary>
    public long MinimumCompleteFileBytes { get; init; }

    /// <summary>Why <see cref="MinimumCompleteFileBytes"/> holds, for the error message.</summary>
    public string MinimumReason { get; init; } = "";

    /// <summary>JPEG: how many scans (SOS markers) the file has.</summary>
    public int JpegScans { get; init; }
}
