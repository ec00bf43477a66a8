/* Rung 2 of the conv ladder — tiled: a work-group stages what it shares in local (shared) memory.
 *
 * A group computes a TY×TX patch of output pixels for TCO output channels; thread (co, x, y) inside it still
 * computes one output value. Neighbouring outputs need overlapping inputs (a 3×3 window moves by one pixel) and
 * the same weights, so instead of every thread fetching them from global memory, the group loads
 *   - the (TY+2)×(TX+2) input patch (with its one-pixel halo) for CI input channels, and
 *   - the 3×3×CI×TCO weights
 * into SHARED arrays once, waits (BARRIER), and every thread reads its 9·CI operands from there. Then the next
 * CI channels. Each input value now comes from global memory ~once per group instead of 9·TCO times.
 *
 * On a GPU, shared memory is a small on-chip scratchpad ~100× faster than DRAM, and this is the classic win.
 * On a CPU (pocl) "local memory" is ordinary memory that was already in cache, so the staging is mostly
 * extra copying — docs/kernels.md shows the numbers. Every thread, even one past the image edge, takes part in
 * the loads and barriers (a barrier that some threads skip deadlocks a GPU); only the final store is guarded.
 */
#ifndef TX
#define TX 8
#endif
#ifndef TY
#define TY 4
#endif
#ifndef TCO
#define TCO 8
#endif
#ifndef CI
#define CI 16
#endif

KERNEL conv3x3_tiled(const GLOBAL float* RESTRICT input,   /* (N, H, W, Cin) */
                     const GLOBAL float* RESTRICT weights, /* (3, 3, Cin, Cout) */
                     const GLOBAL float* RESTRICT bias,    /* (Cout) */
                     GLOBAL float* RESTRICT output,        /* (N, H, W, Cout) */
                     int N, int H, int W, int Cin, int Cout, int relu)
{
    SHARED float patch[TY + 2][TX + 2][CI];   /* input window with halo, CI channels at a time */
    SHARED float wtile[9][CI][TCO];           /* weights for those CI channels and this group's TCO outputs */

    int lco = LOCAL_ID(0), lx = LOCAL_ID(1), ly = LOCAL_ID(2);
    int co = GROUP_ID(0) * TCO + lco;
    int x0 = GROUP_ID(1) * TX, x = x0 + lx;
    int tilesY = (H + TY - 1) / TY;
    int n = GROUP_ID(2) / tilesY, y0 = (GROUP_ID(2) - n * tilesY) * TY, y = y0 + ly;
    const GLOBAL float* in = input + n * H * W * Cin;   /* (H, W, Cin) of image n */
    int flat = (ly * TX + lx) * TCO + lco, threads = TX * TY * TCO;

    float sum = 0.0f;
    for (int c0 = 0; c0 < Cin; c0 += CI) {
        /* 1. cooperative load of the input patch: thread `flat` copies elements flat, flat+threads, ... */
        for (int i = flat; i < (TY + 2) * (TX + 2) * CI; i += threads) {
            int c = i % CI, px = (i / CI) % (TX + 2), py = i / (CI * (TX + 2));
            int iy = y0 + py - 1, ix = x0 + px - 1, ci = c0 + c;
            patch[py][px][c] = (iy >= 0 && iy < H && ix >= 0 && ix < W && ci < Cin) ? in[(iy * W + ix) * Cin + ci] : 0.0f;
        }
        /* 2. cooperative load of the weights */
        for (int i = flat; i < 9 * CI * TCO; i += threads) {
            int o = i % TCO, c = (i / TCO) % CI, k = i / (TCO * CI);
            int ci = c0 + c, wco = GROUP_ID(0) * TCO + o;
            wtile[k][c][o] = (ci < Cin && wco < Cout) ? weights[(k * Cin + ci) * Cout + wco] : 0.0f;
        }
        BARRIER();   /* everything staged before anyone reads */
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
                for (int c = 0; c < CI; c++)
                    sum = FMA(patch[ly + ky][lx + kx][c], wtile[ky * 3 + kx][c][lco], sum);
        BARRIER();   /* everyone done reading before the next chunk overwrites */
    }
    if (co < Cout && x < W && y < H) {
        sum += bias[co];
        output[((n * H + y) * W + x) * Cout + co] = (relu && sum < 0.0f) ? 0.0f : sum;
    }
}
