/* Transposed 3×3 convolution with the forward filters ('same', stride 1, no bias) — the deconvnet's way back
 * through a conv layer. It maps a signal on the layer's output (H, W, Cout) to its input (H, W, Cin):
 *
 *     out[y, x, ci] = Σ_ky Σ_kx Σ_co in[y-ky+1, x-kx+1, co] · w[ky, kx, ci, co]
 *
 * i.e. the forward convolution with the filter flipped in space and its channel axes swapped. One thread per
 * output (ci, x, n·H + y). For fixed (ky, kx, ci) the weights w[ky, kx, ci, :] are contiguous, and so is the
 * input pixel's channel vector, so the inner loop is a plain dot product over co.
 */
KERNEL conv_transpose3x3(const GLOBAL float* RESTRICT input,   /* (N, H, W, Cout) */
                         const GLOBAL float* RESTRICT weights, /* (3, 3, Cin, Cout) Keras layout */
                         GLOBAL float* RESTRICT output,        /* (N, H, W, Cin) */
                         int N, int H, int W, int Cin, int Cout)
{
    int ci = GLOBAL_ID(0), x = GLOBAL_ID(1), ny = GLOBAL_ID(2);
    if (ci >= Cin || x >= W || ny >= N * H) return;
    int n = ny / H, y = ny - n * H;
    const GLOBAL float* in = input + n * H * W * Cout;
    float sum = 0.0f;
    for (int ky = 0; ky < 3; ky++) {
        int sy = y - ky + 1;
        if (sy < 0 || sy >= H) continue;
        for (int kx = 0; kx < 3; kx++) {
            int sx = x - kx + 1;
            if (sx < 0 || sx >= W) continue;
            const GLOBAL float* s = in + (sy * W + sx) * Cout;
            const GLOBAL float* w = weights + ((ky * 3 + kx) * Cin + ci) * Cout;
            for (int co = 0; co < Cout; co++) sum = FMA(s[co], w[co], sum);
        }
    }
    output[(ny * W + x) * Cin + ci] = sum;
}
