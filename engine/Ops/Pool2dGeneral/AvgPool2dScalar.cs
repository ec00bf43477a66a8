namespace CnnEngine.Ops;

/// <summary>
/// Reference average pool of any size, stride and padding: the mean over the window's pixels inside the image (the
/// padding is not counted, as TensorFlow's 'same' average pool does). The oracle for <see cref="Pool2d"/>.
/// </summary>
public static class AvgPool2dScalar
{
    /// <param name="input">(H, W, C).</param>
    /// <param name="output">(OH, OW, C).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int channels, Window2D window, Span<float> output)
        => RunRows(input, height, width, channels, window, output, 0, window.OutHeight(height));

    internal static void RunRows(ReadOnlySpan<float> input, int height, int width, int channels, Window2D window, Span<float> output, int oy0, int oy1)
    {
        int ow = window.OutWidth(width);
        for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            int count = 0;
            for (int ky = 0; ky < window.KernelH; ky++)
            {
                int y = oy * window.StrideH - window.PadTop + ky;
                if (y < 0 || y >= height) continue;
                for (int kx = 0; kx < window.KernelW; kx++)
                {
                    int x = ox * window.StrideW - window.PadLeft + kx;
                    if (x < 0 || x >= width) continue;
                    sum += input[(y * width + x) * channels + c];
                    count++;
                }
            }
            output[(oy * ow + ox) * channels + c] = count == 0 ? 0f : (float)(sum / count);
        }
    }
}
