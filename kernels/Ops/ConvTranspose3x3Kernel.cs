using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Transposed 3×3 convolution with the forward filters ('same', stride 1, no bias) — the deconvnet's way back through a
/// conv layer. It maps a signal on the layer's output (N, H, W, Cout) to its input (N, H, W, Cin):
///
///   out[y, x, ci] = Σ_ky Σ_kx Σ_co in[y−ky+1, x−kx+1, co] · w[ky, kx, ci, co]
///
/// i.e. the forward convolution with the filter flipped in space and its channel axes swapped.
/// Launch: a 1-D grid of 1-D groups (256), one thread per output (n, y, x, ci), ci fastest.
/// Teaches: the transpose needs no new weights, only another walk over them: for fixed (ky, kx, ci) the weights
/// w[ky, kx, ci, :] and the signal pixel's channels are both contiguous, so the inner loop is a plain dot product.
/// </summary>
public static class ConvTranspose3x3Kernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,    // (N, H, W, Cout): the signal at the layer's output
        ArrayView<float> weights,  // (3, 3, Cin, Cout) Keras layout, the forward filters
        ArrayView<float> output,   // (N, H, W, Cin)
        int n, int h, int w, int cin, int cout)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= n * h * w * cin) return;
        int ci = g % cin, p = g / cin, x = p % w, ny = p / w, y = ny % h, image = ny / h;
        int plane = image * h * w * cout;
        float sum = 0f;
        for (int ky = 0; ky < 3; ky++)
        {
            int sy = y - ky + 1;
            if (sy < 0 || sy >= h) continue;
            for (int kx = 0; kx < 3; kx++)
            {
                int sx = x - kx + 1;
                if (sx < 0 || sx >= w) continue;
                int s = plane + (sy * w + sx) * cout;
                int wk = ((ky * 3 + kx) * cin + ci) * cout;
                for (int co = 0; co < cout; co++) sum += input[s + co] * weights[wk + co];
            }
        }
        output[g] = sum;
    }
}
