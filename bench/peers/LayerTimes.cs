using System.Diagnostics;
using CnnEngine.Model;
using CnnEngine.Ops;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench layers [--batch N] [--rounds R] [--threads T]: every VGG16 conv layer at 224², the direct kernel
/// (<see cref="Conv3x3"/>) and Winograd F(4×4, 3×3) (<see cref="Conv3x3Winograd"/>) timed alternately on the same
/// seeded input (both through their public Run, which pads the input the same way), median ms per algorithm and
/// the median per-round ratio. Batch N runs N images one after another per timing (the public Run takes one image).
/// </summary>
internal static class LayerTimes
{
    public static int Run(string[] args)
    {
        int batch = int.Parse(Program.Arg(args, "--batch") ?? "1");
        int rounds = int.Parse(Program.Arg(args, "--rounds") ?? "7");
        int threads = int.Parse(Program.Arg(args, "--threads") ?? "2");
        string? only = Program.Arg(args, "--layer");
        var rng = new Random(3);
        int side = 224;
        Console.WriteLine($"| layer | H×W | Cin→Cout | direct ms | Winograd ms | Winograd / direct | direct GFLOP/s | Winograd effective GFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (!layer.IsConv) { side /= 2; continue; }
            if (only != null && layer.Name != only) continue;
            int cin = layer.InChannels, cout = layer.OutChannels;
            float[] input = new float[side * side * cin], kernel = new float[9 * cin * cout], bias = new float[cout];
            for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
            double std = Math.Sqrt(2.0 / (9 * cin));
            for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)((rng.NextDouble() * 2 - 1) * std);
            float[] output = new float[side * side * cout];
            using var direct = PackedConv3x3.Pack(kernel, bias, cin, cout);
            using var winograd = PackedWinograd3x3.Pack(kernel, bias, cin, cout);
            Action runDirect = () => { for (int n = 0; n < batch; n++) Conv3x3.Run(input, side, side, direct, output, true, threads); };
            Action runWinograd = () => { for (int n = 0; n < batch; n++) Conv3x3Winograd.Run(input, side, side, winograd, output, true, threads); };
            runDirect(); runWinograd();
            var d = new List<double>(); var w = new List<double>(); var ratio = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                double td = Time(runDirect), tw = Time(runWinograd);
                d.Add(td); w.Add(tw); ratio.Add(tw / td);
            }
            double flops = 2.0 * 9 * cin * cout * side * side * batch;
            double md = Median(d), mw = Median(w);
            Console.WriteLine($"| {layer.Name} | {side}×{side} | {cin}→{cout} | {md:F2} | {mw:F2} | {Median(ratio):F2} | {flops / md / 1e6:F0} | {flops / mw / 1e6:F0} |");
        }
        return 0;
    }

    private static double Time(Action a)
    {
        long t0 = Stopwatch.GetTimestamp();
        a();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
