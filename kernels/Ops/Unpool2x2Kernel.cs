using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Unpool by switches (the deconvnet's inverse of max pool): each pooled value goes back to the position its switch
/// recorded; every other position is zero.
///
/// Launch: a 1-D grid of 1-D groups (256), one thread per unpooled output (n, y, x, c), c fastest.
/// Teaches: gather, not scatter. The only pooled cell that can send a value to (y, x) is (y/2, x/2), and it does iff
/// its switch is y·W + x. A gather writes every output exactly once: no zero-fill pass, no two threads writing one
/// place. It relies on switches pointing inside their own 2×2 window, which max pool guarantees (the host checks
/// switches it did not make). Rows/columns beyond the pooled area (odd H or W) are zero.
/// </summary>
public static class Unpool2x2Kernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> pooled,    // (N, H/2, W/2, C)
        ArrayView<int> switches,    // (N, H/2, W/2, C)
        ArrayView<float> unpooled,  // (N, H, W, C)
        int n, int h, int w, int c)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= n * h * w * c) return;
        int ch = g % c, p = g / c, x = p % w, ny = p / w, y = ny % h, image = ny / h;
        int outH = h / 2, outW = w / 2, py = y / 2, px = x / 2;
        float value = 0f;
        if (py < outH && px < outW)
        {
            int at = ((image * outH + py) * outW + px) * c + ch;
            if (switches[at] == y * w + x) value = pooled[at];
        }
        unpooled[g] = value;
    }
}
