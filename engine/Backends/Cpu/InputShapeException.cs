namespace CnnEngine.Backends.Cpu;

/// <summary>
/// The input batch does not fit the network: not (N, H, W, 3), N = 0, a side under 32, or a size other than
/// 224×224 with the top. The message is one line meant for the user. Any backend may throw it
/// (see <see cref="InputShape.Validate"/>).
/// </summary>
public sealed class InputShapeException : ArgumentException
{
    public InputShapeException(string message) : base(message) { }
}
