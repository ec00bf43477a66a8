/* 2×2 max pool, stride 2, 'valid' (an odd last row/column is dropped), with switches.
 *
 * One thread per pooled output (c, ox, n·outH + oy). The switch is the flat index y·W + x of the winner inside
 * channel c's (H, W) input plane. Candidates are visited in row-major order (0,0), (0,1), (1,0), (1,1) and a
 * later one wins only if strictly greater, so ties go to the first — the rule of MaxPool2x2Scalar and of
 * PyTorch's max_pool2d(return_indices=True). (A NaN first candidate therefore stays, as in the oracle.)
 */
KERNEL maxpool2x2(const GLOBAL float* RESTRICT input, /* (N, H, W, C) */
                  GLOBAL float* RESTRICT output,      /* (N, H/2, W/2, C) */
                  GLOBAL int* RESTRICT switches,      /* (N, H/2, W/2, C) */
                  int N, int H, int W, int C)
{
    int outH = H / 2, outW = W / 2;
    int c = GLOBAL_ID(0), ox = GLOBAL_ID(1), noy = GLOBAL_ID(2);
    if (c >= C || ox >= outW || noy >= N * outH) return;
    int n = noy / outH, oy = noy - n * outH;
    const GLOBAL float* in = input + n * H * W * C;

    int best = -1;
    float bestValue = 0.0f;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int y = 2 * oy + dy, x = 2 * ox + dx;
            float v = in[(y * W + x) * C + c];
            if (best < 0 || v > bestValue) { bestValue = v; best = y * W + x; }
        }
    int o = (noy * outW + ox) * C + c;
    output[o] = bestValue;
    switches[o] = best;
}
