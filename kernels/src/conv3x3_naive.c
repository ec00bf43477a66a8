/* Rung 1 of the conv ladder — naive: one thread computes one output value.
 *
 * out[n, y, x, co] = relu(bias[co] + Σ_ky Σ_kx Σ_ci in[n, y+ky-1, x+kx-1, ci] · w[ky, kx, ci, co])
 *
 * Thread (co, x, n·H + y). Dimension 0 is the output channel so that neighbouring threads read neighbouring
 * weights (w is (3, 3, Cin, Cout): co is the fastest axis) and write neighbouring outputs — on a GPU those
 * accesses coalesce into one memory transaction. Everything else is read straight from global memory, every
 * time: each input value is fetched 9·Cout times. The next rungs exist to stop doing that.
 */
KERNEL conv3x3_naive(const GLOBAL float* RESTRICT input,   /* (N, H, W, Cin) */
                     const GLOBAL float* RESTRICT weights, /* (3, 3, Cin, Cout) Keras layout */
                     const GLOBAL float* RESTRICT bias,    /* (Cout) */
                     GLOBAL float* RESTRICT output,        /* (N, H, W, Cout) */
                     int N, int H, int W, int Cin, int Cout, int relu)
{
    int co = GLOBAL_ID(0), x = GLOBAL_ID(1), ny = GLOBAL_ID(2);
    if (co >= Cout || x >= W || ny >= N * H) return;   /* the grid is rounded up to whole groups */
    int n = ny / H, y = ny - n * H;
    const GLOBAL float* in = input + n * H * W * Cin;  /* (H, W, Cin) of image n */

    float sum = bias[co];
    for (int ky = 0; ky < 3; ky++) {
        int iy = y + ky - 1;
        if (iy < 0 || iy >= H) continue;               /* 'same' padding: rows outside are zero */
        for (int kx = 0; kx < 3; kx++) {
            int ix = x + kx - 1;
            if (ix < 0 || ix >= W) continue;
            const GLOBAL float* pixel = in + (iy * W + ix) * Cin;              /* (Cin) */
            const GLOBAL float* w = weights + (ky * 3 + kx) * Cin * Cout + co; /* stride Cout over ci */
            for (int ci = 0; ci < Cin; ci++) sum = FMA(pixel[ci], w[ci * Cout], sum);
        }
    }
    output[(ny * W + x) * Cout + co] = (relu && sum < 0.0f) ? 0.0f : sum;
}
