/* Rung 4 of the conv ladder — Winograd F(2×2, 3×3): fewer multiplications for the same result.
 *
 * A 2×2 block of outputs of a 3×3 convolution needs a 4×4 input tile. Done directly that is 2·2·9 = 36
 * multiplies per channel pair; Winograd's minimal filtering algorithm does it with 16, by working in a
 * transformed space (Lavin & Gray, 2015):
 *
 *     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A          g: 3×3 filter, d: 4×4 input tile, ⊙: element-wise
 *
 *     Bᵀ = | 1  0 -1  0 |     G = | 1    0    0  |     Aᵀ = | 1  1  1  0 |
 *          | 0  1  1  0 |         | ½    ½    ½  |          | 0  1 -1 -1 |
 *          | 0 -1  1  0 |         | ½   -½    ½  |
 *          | 0  1  0 -1 |         | 0    0    1  |
 *
 * Summed over input channels, the element-wise product becomes 16 independent matrix products, one per
 * position ξ of the 4×4 transformed tile:  M[ξ] (T × Cout) = V[ξ] (T × Cin) · U[ξ] (Cin × Cout),
 * T = number of 2×2 output tiles. So the convolution runs as three kernels:
 *   1. winograd_input:  V[ξ][t][ci] = (Bᵀ d B)[ξ]          — cheap, adds only
 *   2. winograd_gemm:   M[ξ][t][co] = Σ_ci V[ξ][t][ci] U[ξ][ci][co] — 2.25× fewer multiply-adds than direct,
 *                       register-blocked exactly like rung 3 (RT tiles × COV·VW channels per thread)
 *   3. winograd_output: out = relu(Aᵀ M A + bias), the 2×2 outputs of each tile
 * U = G g Gᵀ (16, Cin, CoutPad) is computed once on the host when the weights are uploaded.
 * Tiles go along grid dimension 1, which CUDA limits to 65535 blocks, so the host launches a large batch in chunks
 * of tiles (tileOffset = the chunk's first tile).
 * The price: extra memory traffic for V and M, and slightly larger rounding error (|error| grows with the
 * transform's constants) — still far inside the 1e-4 tolerance.
 */
#ifndef RT
#define RT 6
#endif
#ifndef COV
#define COV 2
#endif

/* One thread per (input channel, tile). Tiles are numbered t = (n·tilesY + ty)·tilesX + tx. */
KERNEL winograd_input(const GLOBAL float* RESTRICT input, /* (N, H, W, Cin) */
                      GLOBAL float* RESTRICT V,           /* (16, T, Cin) */
                      int N, int H, int W, int Cin, int tileOffset)
{
    int ci = GLOBAL_ID(0), t = tileOffset + GLOBAL_ID(1);   /* the host launches big batches in chunks of tiles */
    int tilesX = (W + 1) / 2, tilesY = (H + 1) / 2, T = N * tilesY * tilesX;
    if (ci >= Cin || t >= T) return;
    int n = t / (tilesY * tilesX), rest = t - n * tilesY * tilesX;
    int ty = rest / tilesX, tx = rest - ty * tilesX;
    const GLOBAL float* in = input + n * H * W * Cin;

    float d[4][4];                        /* the 4×4 input tile, zero outside the image */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int iy = 2 * ty - 1 + i, ix = 2 * tx - 1 + j;
            d[i][j] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? in[(iy * W + ix) * Cin + ci] : 0.0f;
        }
    float b[4][4];                        /* Bᵀ d  (rows) */
    for (int j = 0; j < 4; j++) {
        b[0][j] = d[0][j] - d[2][j];
        b[1][j] = d[1][j] + d[2][j];
        b[2][j] = d[2][j] - d[1][j];
        b[3][j] = d[1][j] - d[3][j];
    }
    int stride = T * Cin;                 /* distance between the 16 planes of V */
    GLOBAL float* v = V + t * Cin + ci;
    for (int i = 0; i < 4; i++) {         /* (Bᵀ d) B  (columns) */
        v[(i * 4 + 0) * stride] = b[i][0] - b[i][2];
        v[(i * 4 + 1) * stride] = b[i][1] + b[i][2];
        v[(i * 4 + 2) * stride] = b[i][2] - b[i][1];
        v[(i * 4 + 3) * stride] = b[i][1] - b[i][3];
    }
}

/* Thread (channel block, tile block, ξ): RT tiles × COV·VW output channels of plane ξ. */
KERNEL winograd_gemm(const GLOBAL float* RESTRICT V, /* (16, T, Cin) */
                     const GLOBAL float* RESTRICT U, /* (16, Cin, CoutPad) */
                     GLOBAL float* RESTRICT M,       /* (16, T, CoutPad) */
                     int T, int Cin, int CoutPad, int tileOffset)
{
    int co0 = GLOBAL_ID(0) * (COV * VW), t0 = tileOffset + GLOBAL_ID(1) * RT, xi = GLOBAL_ID(2);
    if (co0 >= CoutPad || t0 >= T || xi >= 16) return;
    const GLOBAL float* v = V + (xi * T + t0) * Cin;          /* (RT, Cin) */
    const GLOBAL float* u = U + xi * Cin * CoutPad + co0;     /* (Cin, CoutPad) at co0 */
    int rows = min(RT, T - t0);                               /* the last block may be short */

    vecf acc[RT][COV];
#pragma unroll
    for (int r = 0; r < RT; r++)
#pragma unroll
        for (int c = 0; c < COV; c++) acc[r][c] = VSPLAT(0.0f);

    for (int ci = 0; ci < Cin; ci++) {
        vecf w[COV];
#pragma unroll
        for (int c = 0; c < COV; c++) w[c] = VLOAD(u + ci * CoutPad + c * VW);
#pragma unroll
        for (int r = 0; r < RT; r++) {
            float a = v[min(r, rows - 1) * Cin + ci];        /* short block: repeat the last row, never stored */
#pragma unroll
            for (int c = 0; c < COV; c++) acc[r][c] = VFMA(VSPLAT(a), w[c], acc[r][c]);
        }
    }
    GLOBAL float* m = M + (xi * T + t0) * CoutPad + co0;
#pragma unroll
    for (int r = 0; r < RT; r++)   /* a condition, not a break: keeps the loop unrollable and acc in registers */
        if (r < rows) {
#pragma unroll
            for (int c = 0; c < COV; c++) VSTORE(acc[r][c], m + r * CoutPad + c * VW);
        }
}

/* One thread per (output channel, tile): the tile's 2×2 outputs. */
KERNEL winograd_output(const GLOBAL float* RESTRICT M,    /* (16, T, CoutPad) */
                       const GLOBAL float* RESTRICT bias, /* (Cout) */
                       GLOBAL float* RESTRICT output,     /* (N, H, W, Cout) */
                       int N, int H, int W, int Cout, int CoutPad, int relu, int tileOffset)
{
    int co = GLOBAL_ID(0), t = tileOffset + GLOBAL_ID(1);
    int tilesX = (W + 1) / 2, tilesY = (H + 1) / 2, T = N * tilesY * tilesX;
    if (co >= Cout || t >= T) return;
    int n = t / (tilesY * tilesX), rest = t - n * tilesY * tilesX;
    int ty = rest / tilesX, tx = rest - ty * tilesX;

    float m[4][4];
    for (int i = 0; i < 16; i++) m[i / 4][i % 4] = M[(i * T + t) * CoutPad + co];
    float a[2][4];                        /* Aᵀ m */
    for (int j = 0; j < 4; j++) {
        a[0][j] = m[0][j] + m[1][j] + m[2][j];
        a[1][j] = m[1][j] - m[2][j] - m[3][j];
    }
    float b = bias[co];
    for (int i = 0; i < 2; i++) {         /* (Aᵀ m) A, plus bias, ReLU; edge tiles of odd sizes store less */
        float y0 = a[i][0] + a[i][1] + a[i][2] + b;
        float y1 = a[i][1] - a[i][2] - a[i][3] + b;
        int y = 2 * ty + i, x = 2 * tx;
        if (y >= H) break;
        GLOBAL float* out = output + ((n * H + y) * W + x) * Cout + co;
        out[0] = (relu && y0 < 0.0f) ? 0.0f : y0;
        if (x + 1 < W) out[Cout] = (relu && y1 < 0.0f) ? 0.0f : y1;
    }
}
