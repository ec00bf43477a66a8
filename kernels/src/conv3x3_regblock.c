/* Rung 3 of the conv ladder — register-blocked: each thread computes a PX × (COV·VW) block of outputs.
 *
 * Rungs 1–2 do one multiply-add per value loaded. Here a thread keeps PX pixels (along x) × COV vectors of VW
 * output channels as accumulators in registers. For every input channel it loads
 *   - the PX+2 input values of one row segment (scalars, each broadcast to a whole vector), and
 *   - COV weight vectors (VW consecutive output channels: one vector load, `vecf`),
 * and does PX·COV vector FMAs with them — e.g. PX=7, COV=2, VW=16: 9 loads feed 14×16 = 224 multiply-adds.
 * Arithmetic per byte loaded grows with the block, and the explicit vector type maps straight onto AVX-512
 * (pocl) or four-wide registers (GPU) without relying on the compiler to find the parallelism.
 *
 * Weights are repacked at upload to (3, 3, Cin, CoutPad), CoutPad = Cout rounded up to COV·VW (zero columns),
 * so vector loads never read past the end; the store writes only the real Cout channels.
 * PX = 7 divides every VGG16 width at 224² (224, 112, 56, 28, 14).
 */
#ifndef PX
#define PX 7
#endif
#ifndef COV
#define COV 2
#endif

KERNEL conv3x3_regblock(const GLOBAL float* RESTRICT input,   /* (N, H, W, Cin) */
                        const GLOBAL float* RESTRICT weights, /* (3, 3, Cin, CoutPad) */
                        const GLOBAL float* RESTRICT bias,    /* (CoutPad) */
                        GLOBAL float* RESTRICT output,        /* (N, H, W, Cout) */
                        int N, int H, int W, int Cin, int Cout, int CoutPad, int relu)
{
    int co0 = GLOBAL_ID(0) * (COV * VW), x0 = GLOBAL_ID(1) * PX, ny = GLOBAL_ID(2);
    if (co0 >= Cout || x0 >= W || ny >= N * H) return;
    int n = ny / H, y = ny - n * H;
    const GLOBAL float* in = input + n * H * W * Cin;   /* (H, W, Cin) of image n */

    vecf acc[PX][COV];                                   /* the output block, in registers */
#pragma unroll
    for (int p = 0; p < PX; p++)
#pragma unroll
        for (int v = 0; v < COV; v++) acc[p][v] = VLOAD(bias + co0 + v * VW);

    for (int ky = 0; ky < 3; ky++) {
        int iy = y + ky - 1;
        if (iy < 0 || iy >= H) continue;
        const GLOBAL float* row = in + iy * W * Cin;                        /* (W, Cin) */
        const GLOBAL float* wk = weights + ky * 3 * Cin * CoutPad + co0;    /* (3, Cin, CoutPad) at co0 */
        for (int ci = 0; ci < Cin; ci++) {
            /* the row segment x0-1 .. x0+PX for this channel; outside the image it is zero (padding).
               The index is clamped so the load is always legal, then the value is selected away. */
            float r[PX + 2];
#pragma unroll
            for (int i = 0; i < PX + 2; i++) {
                int ix = x0 - 1 + i;
                int cx = min(max(ix, 0), W - 1);
                float value = row[cx * Cin + ci];
                r[i] = (ix == cx) ? value : 0.0f;
            }
#pragma unroll
            for (int kx = 0; kx < 3; kx++) {
                vecf w[COV];
#pragma unroll
                for (int v = 0; v < COV; v++) w[v] = VLOAD(wk + (kx * Cin + ci) * CoutPad + v * VW);
#pragma unroll
                for (int p = 0; p < PX; p++)
#pragma unroll
                    for (int v = 0; v < COV; v++) acc[p][v] = VFMA(VSPLAT(r[p + kx]), w[v], acc[p][v]);
            }
        }
    }

    GLOBAL float* out = output + (ny * W + x0) * Cout + co0;           /* (PX, Cout) at co0 */
    /* Fully unrolled, so acc[][] stays in registers: the edge test is a condition, not a `break` (a loop with an
       early exit cannot be unrolled, and an array indexed by a run-time loop counter lives in memory). */
#pragma unroll
    for (int p = 0; p < PX; p++) {
        if (x0 + p < W) {
#pragma unroll
            for (int v = 0; v < COV; v++) {
                vecf a = relu ? VMAX(acc[p][v], VSPLAT(0.0f)) : acc[p][v];
                int c = co0 + v * VW;
                if (c + VW <= Cout) VSTORE(a, out + p * Cout + v * VW);
                else if (c < Cout) {                                    /* last, partial vector */
                    float tmp[VW];
                    VSTORE(a, tmp);
                    for (int i = 0; i < Cout - c; i++) out[p * Cout + v * VW + i] = tmp[i];
                }
            }
        }
    }
}
