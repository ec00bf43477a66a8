namespace CnnEngine.Ops;

/// <summary>The checks every 3×3 conv packing makes on Keras-layout weights (direct and Winograd share them).</summary>
internal static class Conv3x3Arguments
{
    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    public static void Check(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"conv3x3: channel counts must be positive (Cin={inChannels}, Cout={outChannels})");
        if (kernel.Length != 9L * inChannels * outChannels) throw new ArgumentException("conv3x3: kernel is not (3, 3, Cin, Cout)");
        if (bias.Length != outChannels) throw new ArgumentException("conv3x3: bias is not (Cout)");
    }
}
