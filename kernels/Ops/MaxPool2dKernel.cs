using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Max pool of any window, stride and padding, with switches (the general form of <see cref="MaxPool2x2Kernel"/>).
///
/// Padding never wins (as TensorFlow's 'same' max pool): cells outside the image are skipped, not read as zero or −∞.
/// The first cell inside the image, in row-major window order, starts the running maximum and a later one replaces it
/// only when strictly greater — ties go to the top-left, the rule of MaxPool2dScalar and PyTorch's
/// max_pool2d(return_indices=True). The switch is the winner's flat index y·W + x inside channel c's (H, W) input plane.
/// Launch: a 1-D grid of 1-D groups (256), one thread per pooled output (n, oy, ox, c), c fastest.
/// Teaches: overlapping windows (stride &lt; size, e.g. 3×3 stride 2) need nothing special when each thread owns an
/// output: a cell read by two windows is simply read twice (from cache), and no thread ever writes where another reads.
/// </summary>
public static class MaxPool2dKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (N, H, W, C)
        ArrayView<float> output,    // (N, OutH, OutW, C)
        ArrayView<int> switches,    // (N, OutH, OutW, C): y·W + x in the input plane
        WindowShape s)              // Cin = Cout = C
    {
        int g = Grid.GlobalIndex.X;
        if (g >= s.N * s.OutH * s.OutW * s.Cout) return;
        int c = g % s.Cout, pixel = g / s.Cout;
        int ox = pixel % s.OutW, noy = pixel / s.OutW, oy = noy % s.OutH, n = noy / s.OutH;
        int plane = n * s.H * s.W * s.Cin;
        int y0 = oy * s.StrideH - s.PadTop, x0 = ox * s.StrideW - s.PadLeft;

        int best = -1;
        float bestValue = 0f;
        for (int ky = 0; ky < s.KernelH; ky++)
        {
            int y = y0 + ky;
            if (y < 0 || y >= s.H) continue;
            for (int kx = 0; kx < s.KernelW; kx++)
            {
                int x = x0 + kx;
                if (x < 0 || x >= s.W) continue;
                float v = input[plane + (y * s.W + x) * s.Cin + c];
                if (best < 0 || v > bestValue) { bestValue = v; best = y * s.W + x; }
            }
        }
        output[g] = best < 0 ? float.NegativeInfinity : bestValue;   // an all-padding window (the host refuses those) stays −∞, switch −1
        switches[g] = best;
    }
}
