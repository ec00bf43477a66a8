namespace CnnEngine.Weights;

/// <summary>No weights file was found where the resolution order looks (and downloading was off or impossible).</summary>
public sealed class WeightsNotFoundException : WeightsException
{
    public WeightsNotFoundException(string message) : base(message) { }
}

/// <summary>A download failed: host unreachable, connection dropped, HTTP error, or wrong checksum. No file is left behind.</summary>
public sealed class WeightsDownloadException : WeightsException
{
    public WeightsDownloadException(string message) : base(message) { }
    public WeightsDownloadException(string message, Exception inner) : base(message, inner) { }
}
