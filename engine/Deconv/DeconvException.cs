namespace CnnEngine.Deconv;

/// <summary>A request the deconvnet cannot serve (unknown layer, channel out of range, patch larger than the image…).
/// Its message is one clear line the CLI prints as is.</summary>
public sealed class DeconvException : Exception
{
    public DeconvException(string message) : base(message) { }
}
