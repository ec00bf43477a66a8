using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// ZeroPadding2D: (N, H, W, C) → (N, H + top + bottom, W + left + right, C), the image copied inside a zero border.
/// Launch: a 1-D grid of 1-D groups (256), one thread per OUTPUT value: it either copies its source value or writes 0.
/// Teaches: map threads to what you write, not to what you read — every output is written exactly once (the border
/// too, so the buffer needs no clearing), with no race and no second pass. s.H/W/Cin are the input, s.OutH/OutW the
/// output; s.PadTop/PadLeft the border before the image (the rest of the border only sets the output size).
/// </summary>
public static class ZeroPadKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (N, H, W, C)
        ArrayView<float> output,    // (N, OutH, OutW, C)
        WindowShape s)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= s.N * s.OutH * s.OutW * s.Cout) return;
        int c = g % s.Cout, pixel = g / s.Cout;
        int ox = pixel % s.OutW, noy = pixel / s.OutW, oy = noy % s.OutH, n = noy / s.OutH;
        int y = oy - s.PadTop, x = ox - s.PadLeft;
        output[g] = y < 0 || y >= s.H || x < 0 || x >= s.W ? 0f : input[((n * s.H + y) * s.W + x) * s.Cin + c];
    }
}
