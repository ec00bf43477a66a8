namespace CnnEngine.Imaging;

/// <summary>Hard limits checked before any pixel is decoded, so a hostile header cannot make us allocate gigabytes.</summary>
public static class ImageLimits
{
    /// <summary>Largest picture accepted: 100 megapixels (an RGB buffer of 300 MB).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Largest file read into memory: nothing legitimate under <see cref="MaxPixels"/> comes near it.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Smallest network input: VGG16's five 2x2 pools need at least 32 pixels per side.</summary>
    public const int MinNetworkSide = 32;
}
