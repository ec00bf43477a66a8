using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Rung 2 of the conv ladder — shared-memory tiled: a group stages what its threads share in shared memory.
///
/// A group of TCO × TX × TY = 16 × 8 × 2 = 256 threads computes a TY×TX patch of output pixels for TCO output
/// channels; each thread still computes one output value. Neighbouring outputs need overlapping inputs (a 3×3
/// window moves by one pixel) and every output channel of a pixel needs the same inputs, so the group copies, CI
/// input channels at a time, the (TY+2)×(TX+2)×CI input patch and the 3×3×CI×TCO weights it needs into shared memory
/// once, waits at a barrier, and then every thread reads them from there.
///
/// Launch: a 1-D grid, one group per (channel block, tile x, tile y, image) — group index g decomposes in that
/// order, channel block fastest; groups of 256 threads, thread t → (co, x, y) = (t mod 16, t/16 mod 8, t/128).
/// Teaches: shared memory and barriers. Each input value now comes from global memory once per group instead of
/// 9·TCO times; shared memory is ~100× faster to read than DRAM. The price: two barriers per CI-channel slice, and
/// each thread still does one multiply-add per value it reads (from shared memory now) — rung 3 attacks that.
/// </summary>
public static class Conv3x3TiledKernel
{
    public const int Tco = 16, Tx = 8, Ty = 2, Ci = 16;
    public const int GroupSize = Tco * Tx * Ty;                       // 256
    public const int PatchSize = (Ty + 2) * (Tx + 2) * Ci;            // 640 floats: (TY+2, TX+2, CI)
    public const int WeightTileSize = 9 * Ci * Tco;                   // 2304 floats: (3·3, CI, TCO)

    /// <summary>Groups the launch needs.</summary>
    public static long Groups(in ConvShape s) =>
        (long)((s.Cout + Tco - 1) / Tco) * ((s.W + Tx - 1) / Tx) * ((s.H + Ty - 1) / Ty) * s.N;

    public static void Kernel(
        ArrayView<float> input,    // (N, H, W, Cin)
        ArrayView<float> weights,  // (3, 3, Cin, Cout) Keras layout
        ArrayView<float> bias,     // (Cout)
        ArrayView<float> output,   // (N, H, W, Cout)
        ConvShape s)
    {
        int coBlocks = (s.Cout + Tco - 1) / Tco, tilesX = (s.W + Tx - 1) / Tx, tilesY = (s.H + Ty - 1) / Ty;
        int g = Grid.IdxX;
        int cb = g % coBlocks, rest = g / coBlocks;
        int tx = rest % tilesX; rest /= tilesX;
        int ty = rest % tilesY, n = rest / tilesY;
        int t = Group.IdxX;
        int lco = t % Tco, lx = t / Tco % Tx, ly = t / (Tco * Tx);
        int co = cb * Tco + lco, x = tx * Tx + lx, y = ty * Ty + ly;

        var patch = SharedMemory.Allocate<float>(PatchSize);          // (TY+2, TX+2, CI)
        var tile = SharedMemory.Allocate<float>(WeightTileSize);      // (9, CI, TCO)
        float sum = 0f;
        for (int ci0 = 0; ci0 < s.Cin; ci0 += Ci)
        {
            // Stage: 256 threads copy the patch and the weight tile, consecutive threads taking consecutive floats
            // (channels of one pixel; output channels of one weight row) so the global reads coalesce.
            for (int i = t; i < PatchSize; i += GroupSize)
            {
                int c = i % Ci, p = i / Ci, px = p % (Tx + 2), py = p / (Tx + 2);
                int iy = ty * Ty + py - 1, ix = tx * Tx + px - 1, ci = ci0 + c;
                bool inside = iy >= 0 && iy < s.H && ix >= 0 && ix < s.W && ci < s.Cin;   // zero padding, zero past Cin
                patch[i] = inside ? input[((n * s.H + iy) * s.W + ix) * s.Cin + ci] : 0f;
            }
            for (int i = t; i < WeightTileSize; i += GroupSize)
            {
                int o = i % Tco, r = i / Tco, c = r % Ci, k = r / Ci;
                int ci = ci0 + c, oc = cb * Tco + o;
                tile[i] = ci < s.Cin && oc < s.Cout ? weights[(k * s.Cin + ci) * s.Cout + oc] : 0f;
            }
            Group.Barrier();                                          // everything staged before anyone reads

            for (int k = 0; k < 9; k++)
            {
                int ky = k / 3, kx = k % 3;
                int p = ((ly + ky) * (Tx + 2) + lx + kx) * Ci;        // same address for the 16 channel threads: a broadcast
                int wk = k * Ci * Tco + lco;                          // consecutive threads, consecutive banks
                for (int c = 0; c < Ci; c++) sum += patch[p + c] * tile[wk + c * Tco];
            }
            Group.Barrier();                                          // everyone done reading before the next slice
        }
        if (co < s.Cout && x < s.W && y < s.H)
            output[((n * s.H + y) * s.W + x) * s.Cout + co] = Channels8.Activate(sum + bias[co], s.Relu);
    }
}
