using System.Diagnostics;
using System.Runtime.Intrinsics;
using CnnEngine.Ops;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench gemm [--cin 512] [--stride Cin] [--reps 2000]: the Winograd GEMM microkernel (<see cref="WinogradGemm"/>)
/// alone, one thread, V and U resident in L1/L2 (8 rows × Cin by Cin × 32, 64-channel partial sums as the driver
/// calls it): best of 7 rounds in GFLOP/s, so the kernel's own efficiency can be told apart from the memory traffic of
/// a whole layer (per-core Vector512 FMA peak here ≈ 220 GFLOP/s).
/// </summary>
internal static class GemmTimes
{
    public static unsafe int Run(string[] args)
    {
        int cin = int.Parse(Program.Arg(args, "--cin") ?? "512");
        int reps = int.Parse(Program.Arg(args, "--reps") ?? "2000");
        int stride = int.Parse(Program.Arg(args, "--stride") ?? cin.ToString()); // floats between V's rows (tiles)
        const int rows = 8, bw = PackedWinograd3x3.BlockWidth;
        float[] v = new float[rows * stride], u = new float[cin * bw], m = new float[rows * bw];
        var rng = new Random(1);
        for (int i = 0; i < v.Length; i++) v[i] = (float)rng.NextDouble();
        for (int i = 0; i < u.Length; i++) u[i] = (float)rng.NextDouble();
        var best = double.MaxValue;
        fixed (float* vp = v) fixed (float* up = u) fixed (float* mp = m)
        {
            for (int round = 0; round < 7; round++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < reps; r++)
                for (int c0 = 0; c0 < cin; c0 += WinogradGemm.ChunkChannels)
                {
                    if (Vector512.IsHardwareAccelerated)
                        WinogradGemm.Tile<SimdFloat512, Vector512<float>, WinogradRows8>(vp + c0, stride, Math.Min(WinogradGemm.ChunkChannels, cin - c0), up + (nint)c0 * bw, mp, c0 > 0);
                    else
                        for (int half = 0; half < bw; half += 16)
                            WinogradGemm.Tile<SimdFloat256, Vector256<float>, WinogradRows8>(vp + c0, stride, Math.Min(WinogradGemm.ChunkChannels, cin - c0), up + (nint)c0 * bw + half, mp + half, c0 > 0);
                }
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }
        double flops = 2.0 * rows * cin * bw * reps;
        Console.WriteLine($"winograd gemm microkernel, {rows} rows (V row stride {stride}) x Cin {cin} x 32, one thread: best of 7 = {best * 1e3:F2} ms, {flops / best / 1e9:F1} GFLOP/s");
        return 0;
    }
}
