namespace CnnEngine.Ops;

/// <summary>
/// Reference transposed 2-D convolution of any kernel size, stride and padding, no bias (the oracle for
/// <see cref="ConvTranspose2dGeneral"/>): the exact adjoint of <see cref="Conv2dGeneralScalar"/> with the same window —
/// every output-side value is scattered back through the kernel onto the input pixels it was computed from; what
/// would land on the padding is dropped. Plain loops, double accumulation.
/// </summary>
public static class ConvTranspose2dGeneralScalar
{
    /// <param name="signal">(OH, OW, Cout) at the conv's output, OH/OW = <paramref name="window"/>'s output for (H, W).</param>
    /// <param name="kernel">(KH, KW, Cin, Cout), Keras layout (the forward conv's own filters).</param>
    /// <param name="result">(H, W, Cin) at the conv's input.</param>
    public static void Run(ReadOnlySpan<float> signal, int height, int width, int inChannels, Window2D window,
        ReadOnlySpan<float> kernel, int outChannels, Span<float> result)
    {
        ConvTranspose2dGeneral.CheckLengths(signal.Length, height, width, inChannels, window, kernel.Length, outChannels, result.Length);
        int oh = window.OutHeight(height), ow = window.OutWidth(width);
        var sum = new double[result.Length]; // (H, W, Cin)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int ky = 0; ky < window.KernelH; ky++)
        {
            int y = oy * window.StrideH - window.PadTop + ky;
            if (y < 0 || y >= height) continue;
            for (int kx = 0; kx < window.KernelW; kx++)
            {
                int x = ox * window.StrideW - window.PadLeft + kx;
                if (x < 0 || x >= width) continue;
                for (int ci = 0; ci < inChannels; ci++)
                for (int co = 0; co < outChannels; co++)
                    sum[(y * width + x) * inChannels + ci] += (double)signal[(oy * ow + ox) * outChannels + co] *
                                                              kernel[((ky * window.KernelW + kx) * inChannels + ci) * outChannels + co];
            }
        }
        for (int i = 0; i < sum.Length; i++) result[i] = (float)sum[i];
    }
}
