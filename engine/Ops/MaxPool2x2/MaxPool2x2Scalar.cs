namespace CnnEngine.Ops;

/// <summary>
/// The reference 2×2 max pool, stride 2, 'valid' (an odd last row/column is dropped, as Keras does), with switches.
/// A switch is the flat index y*W + x of the maximum inside that channel's input plane.
/// Ties go to the first candidate in row-major order: (0,0), (0,1), (1,0), (1,1) — strict '>' keeps the first.
/// </summary>
public static class MaxPool2x2Scalar
{
    /// <param name="input">(H, W, C).</param>
    /// <param name="output">(H/2, W/2, C).</param>
    /// <param name="switches">(H/2, W/2, C).</param>
    public static void Run(ReadOnlySpan<float> input, int height, int width, int channels, Span<float> output, Span<int> switches)
    {
        int outH = height / 2, outW = width / 2;
        if (outH == 0 || outW == 0) throw new ArgumentException($"maxpool2x2: input {height}×{width} is smaller than 2×2");
        for (int oy = 0; oy < outH; oy++)
        for (int ox = 0; ox < outW; ox++)
        for (int c = 0; c < channels; c++)
        {
            int bestIndex = -1;
            float best = float.NegativeInfinity;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int y = oy * 2 + dy, x = ox * 2 + dx;
                float v = input[(y * width + x) * channels + c];
                if (bestIndex < 0 || v > best) { best = v; bestIndex = y * width + x; }
            }
            int o = (oy * outW + ox) * channels + c;
            output[o] = best;
            switches[o] = bestIndex;
        }
    }
}
