using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// 2×2 max pool, stride 2, 'valid' (an odd last row/column is dropped), with switches.
///
/// The switch is the flat index y·W + x of the winner inside channel c's (H, W) input plane. Candidates are visited in
/// row-major order (0,0), (0,1), (1,0), (1,1) and a later one wins only if strictly greater, so ties go to the first —
/// the rule of MaxPool2x2Scalar and of PyTorch's max_pool2d(return_indices=True). (A NaN first candidate stays.)
/// Launch: a 1-D grid of 1-D groups (256), one thread per pooled output (n, oy, ox, c), c fastest.
/// Teaches: a memory-bound kernel — 4 reads and 2 writes per thread, no arithmetic to speak of; its speed is the
/// memory bandwidth, and coalescing (consecutive threads, consecutive channels) is all that matters.
/// </summary>
public static class MaxPool2x2Kernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (N, H, W, C)
        ArrayView<float> output,    // (N, H/2, W/2, C)
        ArrayView<int> switches,    // (N, H/2, W/2, C)
        int n, int h, int w, int c)
    {
        int outH = h / 2, outW = w / 2;
        int g = Grid.GlobalIndex.X;
        if (g >= n * outH * outW * c) return;
        int ch = g % c, p = g / c, ox = p % outW, noy = p / outW, oy = noy % outH, image = noy / outH;
        int plane = image * h * w * c;

        int best = -1;
        float bestValue = 0f;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int y = 2 * oy + dy, x = 2 * ox + dx;
                float v = input[plane + (y * w + x) * c + ch];
                if (best < 0 || v > bestValue) { bestValue = v; best = y * w + x; }
            }
        output[g] = bestValue;
        switches[g] = best;
    }
}
