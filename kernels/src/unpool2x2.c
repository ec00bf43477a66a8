/* Unpool by switches (the deconvnet's inverse of max pool): each pooled value goes back to the position its
 * switch recorded; every other position is zero.
 *
 * Written as a gather, one thread per unpooled output (c, x, n·H + y): the only pooled cell that can send a
 * value here is (y/2, x/2), and it does iff its switch is y·W + x. A gather writes every output exactly once,
 * so no zero-fill pass and no write conflicts. This relies on switches pointing inside their own 2×2 window,
 * which is what max pool produces (the host checks switches it did not make). Rows/columns beyond the pooled
 * area (odd H or W) are zero.
 */
KERNEL unpool2x2(const GLOBAL float* RESTRICT pooled, /* (N, H/2, W/2, C) */
                 const GLOBAL int* RESTRICT switches, /* (N, H/2, W/2, C) */
                 GLOBAL float* RESTRICT unpooled,     /* (N, H, W, C) */
                 int N, int H, int W, int C)
{
    int c = GLOBAL_ID(0), x = GLOBAL_ID(1), ny = GLOBAL_ID(2);
    if (c >= C || x >= W || ny >= N * H) return;
    int n = ny / H, y = ny - n * H;
    int outH = H / 2, outW = W / 2, py = y / 2, px = x / 2;
    float value = 0.0f;
    if (py < outH && px < outW) {
        int p = ((n * outH + py) * outW + px) * C + c;
        if (switches[p] == y * W + x) value = pooled[p];
    }
    unpooled[(ny * W + x) * C + c] = value;
}
