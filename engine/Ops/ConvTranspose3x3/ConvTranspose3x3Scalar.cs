namespace CnnEngine.Ops;

/// <summary>
/// Reference transposed 3×3 convolution with the forward filters ('same' padding, stride 1, no bias):
/// the adjoint of <see cref="Conv3x3ReluScalar"/> without bias and ReLU. It maps a signal on the layer's
/// output (H, W, Cout) back to its input (H, W, Cin):
///   out[y, x, ci] = Σ_co Σ_ky Σ_kx in[y - ky + 1, x - kx + 1, co] · K[ky, kx, ci, co]
/// (equivalently: a 'same' convolution with the kernel flipped in space and its channel axes swapped).
/// </summary>
public static class ConvTranspose3x3Scalar
{
    /// <param name="input">(H, W, Cout) — the signal at the layer's output.</param>
    /// <param name="kernel">(3, 3, Cin, Cout) — the forward layer's filters, Keras layout.</param>
    /// <param name="output">(H, W, Cin), fully overwritten.</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int outChannels,
        ReadOnlySpan<float> kernel, int inChannels, Span<float> output)
    {
        if (kernel.Length != 9L * inChannels * outChannels) throw new ArgumentException("conv-transpose3x3: kernel is not (3, 3, Cin, Cout)");
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        for (int ci = 0; ci < inChannels; ci++)
        {
            float sum = 0;
            for (int ky = 0; ky < 3; ky++)
            {
                int sy = y - ky + 1;
                if ((uint)sy >= (uint)height) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int sx = x - kx + 1;
                    if ((uint)sx >= (uint)width) continue;
                    int inBase = (sy * width + sx) * outChannels;
                    int kBase = ((ky * 3 + kx) * inChannels + ci) * outChannels;
                    for (int co = 0; co < outChannels; co++) sum += input[inBase + co] * kernel[kBase + co];
                }
            }
            output[(y * width + x) * inChannels + ci] = sum;
        }
    }
}
