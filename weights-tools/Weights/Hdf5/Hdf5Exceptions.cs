namespace CnnEngine.Weights.Hdf5;

/// <summary>The file is not valid HDF5 (wrong magic, truncated, an address past its end, a cyclic B-tree, ...).</summary>
public sealed class Hdf5FormatException : WeightsException
{
    public Hdf5FormatException(string message) : base(message) { }
    public Hdf5FormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Valid HDF5, but uses a feature this reader does not implement (it names the feature and the file offset).
/// Raised instead of ever returning a wrong value.
/// </summary>
public sealed class UnsupportedHdf5FeatureException : WeightsException
{
    public string Feature { get; }
    public long FileOffset { get; }

    public UnsupportedHdf5FeatureException(string feature, long fileOffset)
        : base($"unsupported HDF5 feature: {feature} (at file offset {fileOffset})")
    {
        Feature = feature;
        FileOffset = fileOffset;
    }
}
