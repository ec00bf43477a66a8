namespace CnnEngine.Ops;

/// <summary>
/// The reference 3×3 convolution: 'same' zero padding, stride 1, bias, ReLU. Plain loops, no tricks:
/// this is the oracle every fast path (SIMD, GPU) is tested against.
/// </summary>
public static class Conv3x3ReluScalar
{
    /// <param name="input">(H, W, Cin) one image, channels last.</param>
    /// <param name="kernel">(3, 3, Cin, Cout) Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    /// <param name="output">(H, W, Cout).</param>
    /// <param name="relu">false gives the plain convolution (used by tests and the deconvnet).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int inChannels,
        ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int outChannels, Span<float> output, bool relu = true)
    {
        CheckLengths(input.Length, height, width, inChannels, kernel.Length, bias.Length, outChannels, output.Length);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        for (int co = 0; co < outChannels; co++)
        {
            float sum = bias[co];
            for (int ky = 0; ky < 3; ky++)
            {
                int iy = y + ky - 1;
                if ((uint)iy >= (uint)height) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int ix = x + kx - 1;
                    if ((uint)ix >= (uint)width) continue;
                    int inBase = (iy * width + ix) * inChannels;
                    int kBase = (ky * 3 + kx) * inChannels * outChannels + co;
                    for (int ci = 0; ci < inChannels; ci++)
                        sum += input[inBase + ci] * kernel[kBase + ci * outChannels];
                }
            }
            output[(y * width + x) * outChannels + co] = relu && sum < 0 ? 0 : sum;
        }
    }

    internal static void CheckLengths(int inputLength, int height, int width, int inChannels,
        int kernelLength, int biasLength, int outChannels, int outputLength)
    {
        if (height <= 0 || width <= 0 || inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"conv3x3: sizes must be positive (H={height}, W={width}, Cin={inChannels}, Cout={outChannels})");
        if (inputLength < (long)height * width * inChannels) throw new ArgumentException("conv3x3: input shorter than (H, W, Cin)");
        if (kernelLength != 9L * inChannels * outChannels) throw new ArgumentException("conv3x3: kernel is not (3, 3, Cin, Cout)");
        if (biasLength != outChannels) throw new ArgumentException("conv3x3: bias is not (Cout)");
        if (outputLength < (long)height * width * outChannels) throw new ArgumentException("conv3x3: output shorter than (H, W, Cout)");
    }
}
