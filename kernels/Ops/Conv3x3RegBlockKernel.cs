using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Rung 3 of the conv ladder — register-blocked: each thread computes a block of 4 pixels × 8 output channels.
///
/// Rungs 1–2 do one multiply-add per value a thread reads. Here a thread keeps 4 pixels (along x) × 8 channels =
/// 32 sums in registers (four <see cref="Channels8"/>). For each kernel row ky and input channel ci it reads the 6
/// input values of the row segment x0−1 … x0+4 and 3 × 8 weights, and does 4 · 3 · 8 = 96 multiply-adds with them:
/// 30 values read feed 96 multiply-adds, where rung 1 needed 2 reads per multiply-add. The reads that remain hit
/// the same few cache lines across neighbouring threads, so no shared memory and no barriers are needed.
///
/// Weights are repacked at upload to (3, 3, Cin, CoutPad), CoutPad = Cout rounded up to 8 (zero columns), so a
/// block never reads past the end; the store writes only the real Cout channels.
/// Launch: a 1-D grid of 1-D groups (64 threads), one thread per (channel block, pixel block, row, image),
/// channel block fastest: neighbouring threads read neighbouring weights and the same inputs (a broadcast).
/// Teaches: register blocking — arithmetic intensity (multiply-adds per byte read) is what a GPU's speed depends on.
/// </summary>
public static class Conv3x3RegBlockKernel
{
    public const int Pixels = 4, Channels = 8, GroupSize = 64;

    /// <summary>Threads the launch needs.</summary>
    public static long Threads(in ConvShape s) => (long)(s.CoutPad / Channels) * ((s.W + Pixels - 1) / Pixels) * s.H * s.N;

    public static void Kernel(
        ArrayView<float> input,    // (N, H, W, Cin)
        ArrayView<float> weights,  // (3, 3, Cin, CoutPad)
        ArrayView<float> bias,     // (CoutPad)
        ArrayView<float> output,   // (N, H, W, Cout)
        ConvShape s)
    {
        int blocks = s.CoutPad / Channels, xBlocks = (s.W + Pixels - 1) / Pixels;
        int g = Grid.GlobalIndex.X;
        if (g >= blocks * xBlocks * s.H * s.N) return;
        int cb = g % blocks, rest = g / blocks;
        int xb = rest % xBlocks, ny = rest / xBlocks;                // ny = n·H + y
        int y = ny % s.H, n = ny / s.H;
        int co0 = cb * Channels, x0 = xb * Pixels;
        int image = n * s.H * s.W * s.Cin;

        var b = Channels8.Load(bias, co0);
        Channels8 a0 = b, a1 = b, a2 = b, a3 = b;                    // the 4 × 8 output block, in registers
        for (int ky = 0; ky < 3; ky++)
        {
            int iy = y + ky - 1;
            if (iy < 0 || iy >= s.H) continue;
            int row = image + iy * s.W * s.Cin;                       // (W, Cin) of input row iy
            int wRow = ky * 3 * s.Cin * s.CoutPad + co0;              // w[ky, 0, 0, co0]
            for (int ci = 0; ci < s.Cin; ci++)
            {
                // The row segment x0-1 … x0+4 of channel ci; outside the image it is zero (padding).
                float r0 = Pixel(input, row, x0 - 1, ci, s), r1 = Pixel(input, row, x0, ci, s), r2 = Pixel(input, row, x0 + 1, ci, s);
                float r3 = Pixel(input, row, x0 + 2, ci, s), r4 = Pixel(input, row, x0 + 3, ci, s), r5 = Pixel(input, row, x0 + 4, ci, s);
                var w0 = Channels8.Load(weights, wRow + (0 * s.Cin + ci) * s.CoutPad);   // kx = 0
                var w1 = Channels8.Load(weights, wRow + (1 * s.Cin + ci) * s.CoutPad);   // kx = 1
                var w2 = Channels8.Load(weights, wRow + (2 * s.Cin + ci) * s.CoutPad);   // kx = 2
                // output pixel x0+p sees inputs x0+p-1+kx, i.e. r[p + kx]
                Channels8.MultiplyAdd(ref a0, r0, w0); Channels8.MultiplyAdd(ref a0, r1, w1); Channels8.MultiplyAdd(ref a0, r2, w2);
                Channels8.MultiplyAdd(ref a1, r1, w0); Channels8.MultiplyAdd(ref a1, r2, w1); Channels8.MultiplyAdd(ref a1, r3, w2);
                Channels8.MultiplyAdd(ref a2, r2, w0); Channels8.MultiplyAdd(ref a2, r3, w1); Channels8.MultiplyAdd(ref a2, r4, w2);
                Channels8.MultiplyAdd(ref a3, r3, w0); Channels8.MultiplyAdd(ref a3, r4, w1); Channels8.MultiplyAdd(ref a3, r5, w2);
            }
        }
        int count = s.Cout - co0 < Channels ? s.Cout - co0 : Channels;   // the last block may be partial
        int at = (ny * s.W + x0) * s.Cout + co0;
        Channels8.Store(output, at, a0, count, s.Relu);
        if (x0 + 1 < s.W) Channels8.Store(output, at + s.Cout, a1, count, s.Relu);
        if (x0 + 2 < s.W) Channels8.Store(output, at + 2 * s.Cout, a2, count, s.Relu);
        if (x0 + 3 < s.W) Channels8.Store(output, at + 3 * s.Cout, a3, count, s.Relu);
    }

    /// <summary>in[row, x, ci], or 0 outside the image.</summary>
    private static float Pixel(ArrayView<float> input, int row, int x, int ci, in ConvShape s) =>
        x >= 0 && x < s.W ? input[row + x * s.Cin + ci] : 0f;
}
