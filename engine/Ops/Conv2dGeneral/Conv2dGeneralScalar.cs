namespace CnnEngine.Ops;

/// <summary>
/// Reference 2-D convolution of any kernel size, stride and zero padding (the oracle for <see cref="Conv2dGeneral"/>):
/// plain loops, double accumulation, no activation.
/// </summary>
public static class Conv2dGeneralScalar
{
    /// <param name="input">(H, W, Cin).</param>
    /// <param name="kernel">(KH, KW, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout), or empty for none.</param>
    /// <param name="output">(OH, OW, Cout).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int inChannels, Window2D window,
        ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int outChannels, Span<float> output)
    {
        int oh = window.OutHeight(height), ow = window.OutWidth(width);
        Conv2dGeneral.CheckLengths(input.Length, height, width, inChannels, window, kernel.Length, bias.Length, outChannels, output.Length);
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int co = 0; co < outChannels; co++)
        {
            double sum = bias.Length > 0 ? bias[co] : 0;
            for (int ky = 0; ky < window.KernelH; ky++)
            {
                int y = oy * window.StrideH - window.PadTop + ky;
                if (y < 0 || y >= height) continue;
                for (int kx = 0; kx < window.KernelW; kx++)
                {
                    int x = ox * window.StrideW - window.PadLeft + kx;
                    if (x < 0 || x >= width) continue;
                    for (int ci = 0; ci < inChannels; ci++)
                        sum += (double)input[(y * width + x) * inChannels + ci] * kernel[((ky * window.KernelW + kx) * inChannels + ci) * outChannels + co];
                }
            }
            output[(oy * ow + ox) * outChannels + co] = (float)sum;
        }
    }
}
