namespace CnnEngine.Imaging;

/// <summary>
/// Default limits, checked from the header before any pixel is decoded, so a hostile or broken file cannot make us
/// allocate gigabytes or decode for minutes. <see cref="ImageDecodeOptions"/> raises or lowers them per call.
/// </summary>
public static class ImageLimits
{
    /// <summary>Largest picture accepted: 100 megapixels (PIL warns above 89 and refuses above 179).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>
    /// Most memory a decode may take: the RGBA buffer the codec writes, the RGB result, and the codec's own
    /// whole-image buffers (progressive JPEG coefficients, interlaced PNG rows). 1 GiB lets every 100-megapixel
    /// 8-bit picture through (a 4:2:0 progressive JPEG of 100 MP needs about 1.0 GB).
    /// </summary>
    public const long MaxDecodedBytes = 1L << 30;

    /// <summary>
    /// Most scans a JPEG may have. libjpeg's progressive script writes 10 (6 for grayscale); a file with many more is
    /// built to make the decoder redo the whole picture per scan (each scan of an 8000×8000 picture costs about 40 ms).
    /// Skia's libjpeg-turbo itself gives up, less clearly, near 100 repeated scans; this limit says it first.
    /// </summary>
    public const int MaxJpegScans = 64;

    /// <summary>Largest file read into memory: nothing legitimate under <see cref="MaxPixels"/> comes near it.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Smallest network input: VGG16's five 2x2 pools need at least 32 pixels per side.</summary>
    public const int MinNetworkSide = 32;
}
