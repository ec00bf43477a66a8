using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Average pool of any window, stride and padding, as Keras (TensorFlow) defines it: the mean over the window's cells
/// that lie inside the image. With 'same' padding a border window averages fewer cells — the padding is not counted
/// (PyTorch's count_include_pad=False), exactly as AvgPool2dScalar.
/// Launch: a 1-D grid of 1-D groups (256), one thread per pooled output (n, oy, ox, c), c fastest.
/// Teaches: the divisor is a count the thread makes itself, not KernelH·KernelW — the one place border windows differ.
/// </summary>
public static class AvgPool2dKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (N, H, W, C)
        ArrayView<float> output,    // (N, OutH, OutW, C)
        WindowShape s)              // Cin = Cout = C
    {
        int g = Grid.GlobalIndex.X;
        if (g >= s.N * s.OutH * s.OutW * s.Cout) return;
        int c = g % s.Cout, pixel = g / s.Cout;
        int ox = pixel % s.OutW, noy = pixel / s.OutW, oy = noy % s.OutH, n = noy / s.OutH;
        int plane = n * s.H * s.W * s.Cin;
        int y0 = oy * s.StrideH - s.PadTop, x0 = ox * s.StrideW - s.PadLeft;

        float sum = 0f;
        int count = 0;
        for (int ky = 0; ky < s.KernelH; ky++)
        {
            int y = y0 + ky;
            if (y < 0 || y >= s.H) continue;
            for (int kx = 0; kx < s.KernelW; kx++)
            {
                int x = x0 + kx;
                if (x < 0 || x >= s.W) continue;
                sum += input[plane + (y * s.W + x) * s.Cin + c];
                count++;
            }
        }
        output[g] = count == 0 ? 0f : sum / count;
    }
}
