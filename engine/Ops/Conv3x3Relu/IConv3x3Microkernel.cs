namespace CnnEngine.Ops;

/// <summary>
/// One register-blocked microkernel of <see cref="Conv3x3"/>: computes <see cref="TilePixels"/> consecutive output
/// pixels of one row × one 32-wide packed output-channel block, bias and optional ReLU fused, from a zero-padded
/// input. Implemented by readonly structs so the driver, generic over them, is compiled once per width with the
/// microkernel inlined (static abstract members, no virtual calls).
/// </summary>
public interface IConv3x3Microkernel
{
    static abstract int TilePixels { get; }
    static abstract bool IsHardwareAccelerated { get; }

    /// <param name="input">Padded input at (y - 1, x0 - 1) of the unpadded image, pixels Cin apart, rows <paramref name="inputRowStride"/> apart.</param>
    /// <param name="weights">One packed block, (3, 3, Cin, 32).</param>
    /// <param name="bias">(32).</param>
    /// <param name="output">TilePixels × 32 values, pixels <paramref name="outputPixelStride"/> apart.</param>
    static abstract unsafe void Tile(float* input, nint inputRowStride, nint inChannels, float* weights, float* bias,
        float* output, nint outputPixelStride, bool relu);
}
