namespace CnnEngine.Ops;

/// <summary>
/// Reference max pool of any size, stride and padding, with switches (the oracle for <see cref="Pool2d"/>). Padding is
/// ignored (as TensorFlow's 'same' max pool does: the border never wins). A switch is the flat index y·W + x of the
/// maximum inside that channel's input plane; ties go to the first in row-major window order (top-left first),
/// like PyTorch's max_pool2d(return_indices=True) and the VGG16 pool.
/// </summary>
public static class MaxPool2dScalar
{
    /// <param name="input">(H, W, C).</param>
    /// <param name="output">(OH, OW, C).</param>
    /// <param name="switches">(OH, OW, C).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int channels, Window2D window, Span<float> output, Span<int> switches)
        => RunRows(input, height, width, channels, window, output, switches, 0, window.OutHeight(height));

    internal static void RunRows(ReadOnlySpan<float> input, int height, int width, int channels, Window2D window,
        Span<float> output, Span<int> switches, int oy0, int oy1)
    {
        int ow = window.OutWidth(width);
        for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < channels; c++)
        {
            float best = float.NegativeInfinity;
            int at = -1;
            for (int ky = 0; ky < window.KernelH; ky++)
            {
                int y = oy * window.StrideH - window.PadTop + ky;
                if (y < 0 || y >= height) continue;
                for (int kx = 0; kx < window.KernelW; kx++)
                {
                    int x = ox * window.StrideW - window.PadLeft + kx;
                    if (x < 0 || x >= width) continue;
                    float v = input[(y * width + x) * channels + c];
                    if (at < 0 || v > best) { best = v; at = y * width + x; }
                }
            }
            output[(oy * ow + ox) * channels + c] = best;
            switches[(oy * ow + ox) * channels + c] = at;
        }
    }
}
