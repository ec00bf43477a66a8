using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Tensors;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench rss --policy auto|direct|packed --batch N [--full]: peak resident set (VmHWM, Process.PeakWorkingSet64)
/// of a process that makes seeded random weights (as `engine-viz bench --weights random` does: 56 MB of managed conv
/// kernels), opens CpuBackend with that policy and runs 3 forwards on a 224² batch. One process per measurement (run
/// it once per configuration). direct = the engine before Winograd; packed = the first Winograd engine (every
/// transformed kernel kept); auto = the current per-layer choice.
/// </summary>
internal static class PeakRss
{
    public static int Run(string[] args)
    {
        var policy = (Program.Arg(args, "--policy") ?? "auto") switch
        {
            "direct" => ConvPolicy.DirectOnly,
            "packed" => ConvPolicy.PackedWinograd,
            "auto" => ConvPolicy.Auto,
            "lowmem" => ConvPolicy.LowMemory,
            var p => throw new ArgumentException($"unknown --policy {p} (auto, direct, packed)"),
        };
        int batch = int.Parse(Program.Arg(args, "--batch") ?? "1");
        bool full = args.Contains("--full");
        bool steps = args.Contains("--steps");
        void Step(string what) { if (steps) Console.Error.WriteLine($"{what}: rss {Environment.WorkingSet / (1 << 20)} MB, peak {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MB, managed {GC.GetTotalMemory(false) / (1 << 20)} MB"); }
        Step("start");
        using var weights = Vgg16Weights.Random(16, includeTop: full);
        Step("weights");
        using var backend = new CpuBackend(weights, 0, policy);
        Step("backend");
        var input = new Tensor(Program.Input(batch), batch, 224, 224, 3);
        for (int i = 0; i < 3; i++) { backend.Forward(input); Step($"forward {i}"); }
        Console.WriteLine($"{{\"policy\": \"{policy}\", \"batch\": {batch}, \"model\": \"{(full ? "full" : "notop")}\", \"peak_rss_mb\": {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)}}}");
        return 0;
    }
}
