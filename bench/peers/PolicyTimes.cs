using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Tensors;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench policies [--batch 1] [--rounds 9] [--threads 2]: the conv stack (224², seeded random weights) with each
/// <see cref="ConvPolicy"/> — direct only (before Winograd), packed Winograd everywhere (the first Winograd engine),
/// auto (packed where small, transformed on the fly on block4/5) — one forward each per round, order rotating;
/// median and minimum ms, the median per-round ratio to auto, and the process CPU time per forward (on a loaded
/// machine the CPU time and the minimum are the steadier numbers).
/// </summary>
internal static class PolicyTimes
{
    public static int Run(string[] args)
    {
        int batch = int.Parse(Program.Arg(args, "--batch") ?? "1");
        int rounds = int.Parse(Program.Arg(args, "--rounds") ?? "9");
        int threads = int.Parse(Program.Arg(args, "--threads") ?? "2");
        using var weights = Vgg16Weights.Random(16);
        var policies = new[] { ConvPolicy.Auto, ConvPolicy.LowMemory, ConvPolicy.PackedWinograd, ConvPolicy.DirectOnly };
        var backends = policies.Select(p => new CpuBackend(weights, threads, p)).ToArray();
        try
        {
            var input = new Tensor(Program.Input(batch), batch, 224, 224, 3);
            foreach (var b in backends) { b.Forward(input); b.Forward(input); }
            var times = policies.Select(_ => new List<double>()).ToArray();
            var cpu = policies.Select(_ => new List<double>()).ToArray();
            var process = Process.GetCurrentProcess();
            for (int r = 0; r < rounds; r++)
            for (int k = 0; k < policies.Length; k++)
            {
                int i = (k + r) % policies.Length;
                process.Refresh();
                var c0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                backends[i].Forward(input);
                times[i].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                process.Refresh();
                cpu[i].Add((process.TotalProcessorTime - c0).TotalMilliseconds);
            }
            Console.WriteLine($"| policy (batch {batch}, {threads} threads, {rounds} rounds) | median ms | min ms | median per-round ratio to auto | median process CPU ms |");
            Console.WriteLine("|---|---|---|---|---|");
            for (int i = 0; i < policies.Length; i++)
            {
                var ratios = times[i].Zip(times[0], (a, b) => a / b).OrderBy(x => x).ToArray();
                Console.WriteLine($"| {policies[i]} | {Median(times[i]):F1} | {times[i].Min():F1} | {ratios[ratios.Length / 2]:F2} | {Median(cpu[i]):F0} |");
            }
            return 0;
        }
        finally
        {
            foreach (var b in backends) b.Dispose();
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
