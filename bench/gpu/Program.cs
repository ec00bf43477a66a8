// gpu-bench: conv-stack GFLOP/s of every conv rung on one device (VGG16 notop, random weights, 224×224).
//   gpu-bench [--device opencl:0|cuda:0] [--rungs naive,tiled,regblock,winograd] [--batch 1] [--size 224] [--reps 5] [--layers]
// GFLOP/s = Vgg16Architecture.ConvStackFlops(size) · batch / median forward time (direct-convolution FLOPs for every
// rung, so Winograd's fewer multiplies show up as a higher rate). The forward includes the 5 pools, the input upload
// and the final block5_pool read-back (<1% of the time). --layers also times each conv layer alone (one forward with
// a Finish after each layer is not possible through IForwardBackend, so it runs the op directly).
using System.Diagnostics;
using System.Globalization;
using CnnEngine.Bench.Gpu;
using CnnEngine.Kernels;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Tensors;

string device = "opencl:0", rungs = string.Join(",", ConvRungs.Names);
int batch = 1, size = 224, reps = 5;
bool layers = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--device": device = args[++i]; break;
        case "--rungs": rungs = args[++i]; break;
        case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--size": size = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--layers": layers = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

using var weights = Vgg16Weights.Random(16, includeTop: false);
var input = new Tensor(batch, size, size, 3);
var rng = new Random(1);
for (int i = 0; i < input.Data.Length; i++) input.Data[i] = (float)(rng.NextDouble() * 255 - 128);
double flops = Vgg16Architecture.ConvStackFlops(size, size) * batch;
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {device}, batch {batch}, {size}×{size}, {reps} reps, conv stack {flops / 1e9:F2} GFLOP");
Console.WriteLine($"# load average at start: {LoadAverage()} on {Environment.ProcessorCount} cores");
Console.WriteLine("| rung | median ms | min ms | GFLOP/s (median) | GFLOP/s (best) | CPU s per forward | GFLOP/s per core |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
try
{
    foreach (string rung in rungs.Split(','))
    {
        using var backend = Devices.Open(device, weights, Console.Error.WriteLine, rung);
        if (rung == rungs.Split(',')[0]) Console.WriteLine($"# device: {backend.DeviceName}");
        backend.Forward(input);   // warm-up: first-touch of buffers, caches
        var times = new List<double>();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            backend.Forward(input);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        // CPU time of the whole process (pocl's worker threads included) per forward: on a shared, overloaded
        // machine this is steadier than wall time. GFLOP per CPU-second = the rate one core sustains.
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / reps;
        times.Sort();
        double median = times[times.Count / 2], best = times[0];
        Console.WriteLine($"| {rung} | {median:F1} | {best:F1} | {flops / median / 1e6:F1} | {flops / best / 1e6:F1} | {cpuSeconds:F2} | {flops / cpuSeconds / 1e9:F1} |");
        if (layers && backend is CnnEngine.Kernels.Backends.GpuBackend gpu) LayerTimes.Print(gpu, batch, size);
    }
}
catch (DeviceException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}
return 0;

static string LoadAverage()
{
    try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; } catch (IOException) { return "?"; }
}
