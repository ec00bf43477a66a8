using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Ops;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench layers [--batch N] [--rounds R] [--threads T]: every VGG16 conv layer at 224², the direct kernel
/// (<see cref="Conv3x3"/>), Winograd F(4×4, 3×3) (<see cref="Conv3x3Winograd"/>) with packed transformed weights
/// and Winograd with the weights transformed on the fly from the Keras kernel (<see cref="PackedWinograd3x3.InPlace"/>)
/// timed alternately on the same seeded input (all through their public Run, which pads the input the same way),
/// median ms per algorithm, the median per-round ratios, and the weight memory each keeps besides the Keras kernel. Batch N runs N images one after another per timing (the public Run takes one image).
/// </summary>
internal static class LayerTimes
{
    public static int Run(string[] args)
    {
        int batch = int.Parse(Program.Arg(args, "--batch") ?? "1");
        int rounds = int.Parse(Program.Arg(args, "--rounds") ?? "7");
        int threads = int.Parse(Program.Arg(args, "--threads") ?? "2");
        string? only = Program.Arg(args, "--layer");
        // --stat min: the fastest round instead of the median (on a loaded machine the minimum is the steadier estimate).
        Func<List<double>, double> stat = Program.Arg(args, "--stat") == "min" ? v => v.Min() : Median;
        var rng = new Random(3);
        int side = 224;
        Console.WriteLine($"| layer | H×W | Cin→Cout | direct ms | Winograd packed ms | Winograd in place ms | F(2×2) in place ms | F(2×2) packed ms | packed / direct | in place / direct | F(2×2) in place / direct | direct GFLOP/s | in place effective GFLOP/s | extra MB direct / packed / in place | auto uses | why |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
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
            using var inPlace = PackedWinograd3x3.InPlace(kernel, bias, cin, cout);
            using var inPlace2 = PackedWinograd3x3.InPlace(kernel, bias, cin, cout, WinogradTile.F2x2);
            using var packed2 = PackedWinograd3x3.Pack(kernel, bias, cin, cout, WinogradTile.F2x2);
            Action runDirect = () => { for (int n = 0; n < batch; n++) Conv3x3.Run(input, side, side, direct, output, true, threads); };
            Action runWinograd = () => { for (int n = 0; n < batch; n++) Conv3x3Winograd.Run(input, side, side, winograd, output, true, threads); };
            Action runPacked2 = () => { for (int n = 0; n < batch; n++) Conv3x3Winograd.Run(input, side, side, packed2, output, true, threads); };
            Action runInPlace2 = () => { for (int n = 0; n < batch; n++) Conv3x3Winograd.Run(input, side, side, inPlace2, output, true, threads); };
            Action runInPlace = () => { for (int n = 0; n < batch; n++) Conv3x3Winograd.Run(input, side, side, inPlace, output, true, threads); };
            runDirect(); runWinograd(); runInPlace(); runInPlace2(); runPacked2();
            var d = new List<double>(); var w = new List<double>(); var p = new List<double>(); var ratio = new List<double>(); var ratioP = new List<double>(); var p2 = new List<double>(); var k2 = new List<double>(); var ratio2 = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                double td = Time(runDirect), tw = Time(runWinograd), tp = Time(runInPlace), t2 = Time(runInPlace2), tk2 = Time(runPacked2);
                d.Add(td); w.Add(tw); p.Add(tp); ratio.Add(tw / td); ratioP.Add(tp / td); p2.Add(t2); k2.Add(tk2); ratio2.Add(t2 / td);
            }
            double flops = 2.0 * 9 * cin * cout * side * side * batch;
            double md = stat(d), mw = stat(w), mp = stat(p);
            double mb = 1e6, directBytes = 9.0 * direct.Blocks * 32 * cin * 4;
            Console.WriteLine($"| {layer.Name} | {side}×{side} | {cin}→{cout} | {md:F2} | {mw:F2} | {mp:F2} | {stat(p2):F2} | {stat(k2):F2} | {stat(ratio):F2} | {stat(ratioP):F2} | {stat(ratio2):F2} | {flops / md / 1e6:F0} | {flops / mp / 1e6:F0} | {directBytes / mb:F1} / {winograd.OwnBytes / mb:F1} / {inPlace.OwnBytes / mb:F2} | {ConvAlgorithmChoice.For(layer, ConvPolicy.Auto, batch, hasTop: false)} | {ConvAlgorithmChoice.Why(layer)} |");
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
