using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// General 2-D convolution — any kernel size, stride and zero padding — plus bias and a fused activation: the conv of
/// a user's own model (VGG16's 3×3 'same' layers have the ladder of Conv3x3*Kernel).
///
///   out[n, oy, ox, co] = act(bias[co] + Σ_ky Σ_kx Σ_ci in[n, oy·sh − pt + ky, ox·sw − pl + kx, ci] · w[ky, kx, ci, co])
///
/// Launch: a 1-D grid of 1-D groups (256), one thread per output value (n, oy, ox, co), co fastest — the naive rung's
/// mapping (<see cref="Conv3x3NaiveKernel"/>), with the window's geometry from <see cref="WindowShape"/>.
/// Teaches: stride and padding are only index arithmetic. Output pixel (oy, ox) starts reading at
/// (oy·StrideH − PadTop, ox·StrideW − PadLeft); taps that fall outside the image are the zero padding, so they are
/// skipped, never read. 'same' padding in Keras may be asymmetric (one more row at the bottom than the top): only
/// the top/left padding moves the window, the bottom/right one only decides how many outputs there are (OutH, OutW).
/// Neighbouring threads take neighbouring output channels: their weight reads (co is the fastest weight axis) and
/// their stores coalesce, and they all read the same input value (a broadcast).
/// </summary>
public static class Conv2dGeneralKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,    // (N, H, W, Cin)
        ArrayView<float> weights,  // (KH, KW, Cin, Cout) Keras layout
        ArrayView<float> bias,     // (Cout); zeros for a conv without bias
        ArrayView<float> output,   // (N, OutH, OutW, Cout)
        WindowShape s,
        ActivationSpec activation)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= s.N * s.OutH * s.OutW * s.Cout) return;   // the grid is rounded up to whole groups
        int co = g % s.Cout, pixel = g / s.Cout;
        int ox = pixel % s.OutW, noy = pixel / s.OutW, oy = noy % s.OutH, n = noy / s.OutH;
        int image = n * s.H * s.W * s.Cin;
        int y0 = oy * s.StrideH - s.PadTop, x0 = ox * s.StrideW - s.PadLeft;   // the window's top-left, maybe outside

        float sum = bias[co];
        for (int ky = 0; ky < s.KernelH; ky++)
        {
            int iy = y0 + ky;
            if (iy < 0 || iy >= s.H) continue;              // a padding row: zero
            for (int kx = 0; kx < s.KernelW; kx++)
            {
                int ix = x0 + kx;
                if (ix < 0 || ix >= s.W) continue;          // a padding column: zero
                int at = image + (iy * s.W + ix) * s.Cin;                        // the input pixel's Cin values
                int wk = (ky * s.KernelW + kx) * s.Cin * s.Cout + co;            // w[ky, kx, 0, co]; stride Cout over ci
                for (int ci = 0; ci < s.Cin; ci++) sum += input[at + ci] * weights[wk + ci * s.Cout];
            }
        }
        output[g] = ActivationSpec.Apply(sum, activation);
    }
}
