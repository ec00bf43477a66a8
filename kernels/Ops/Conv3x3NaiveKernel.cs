using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Rung 1 of the conv ladder — naive: one thread computes one output value.
///
///   out[n, y, x, co] = relu(bias[co] + Σ_ky Σ_kx Σ_ci in[n, y+ky-1, x+kx-1, ci] · w[ky, kx, ci, co])
///
/// Launch: a 1-D grid of 1-D groups, one thread per output value; thread g → co = g mod Cout, pixel = g / Cout.
/// (Every kernel here uses grid dimension x only: CUDA allows 2³¹−1 groups there but 65,535 in y and z.)
/// Teaches: the mapping from threads to data. Neighbouring threads take neighbouring output channels, so they read
/// neighbouring weights (co is Keras's fastest weight axis) and write neighbouring outputs — on a GPU those accesses
/// coalesce into one memory transaction. Everything else comes from global memory every time: each input value is
/// fetched 9·Cout times. The next rungs exist to stop doing that.
/// </summary>
public static class Conv3x3NaiveKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,    // (N, H, W, Cin)
        ArrayView<float> weights,  // (3, 3, Cin, Cout) Keras layout
        ArrayView<float> bias,     // (Cout)
        ArrayView<float> output,   // (N, H, W, Cout)
        ConvShape s)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= s.N * s.H * s.W * s.Cout) return;   // the grid is rounded up to whole groups
        int co = g % s.Cout, pixel = g / s.Cout;
        int x = pixel % s.W, ny = pixel / s.W, y = ny % s.H, n = ny / s.H;
        int image = n * s.H * s.W * s.Cin;             // where image n starts in the input

        float sum = bias[co];
        for (int ky = 0; ky < 3; ky++)
        {
            int iy = y + ky - 1;
            if (iy < 0 || iy >= s.H) continue;          // 'same' padding: rows outside the image are zero
            for (int kx = 0; kx < 3; kx++)
            {
                int ix = x + kx - 1;
                if (ix < 0 || ix >= s.W) continue;
                int at = image + (iy * s.W + ix) * s.Cin;                 // the input pixel's Cin values
                int wk = (ky * 3 + kx) * s.Cin * s.Cout + co;             // w[ky, kx, 0, co]; stride Cout over ci
                for (int ci = 0; ci < s.Cin; ci++) sum += input[at + ci] * weights[wk + ci * s.Cout];
            }
        }
        output[g] = Channels8.Activate(sum, s.Relu);
    }
}
