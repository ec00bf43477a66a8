using System.Diagnostics;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;

namespace CnnEngine.Bench.Gpu;

/// <summary>Times each conv layer of the stack alone (3 runs, median) with the backend's rung.</summary>
internal static class LayerTimes
{
    public static void Print(GpuBackend backend, int n, int size)
    {
        var ops = new GpuOps(backend.Device);
        int h = size, w = size;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (!layer.IsConv) { h /= 2; w /= 2; continue; }
            var lw = backend.Weights[layer.Name];
            using var cw = new ConvWeights(ops, backend.Rung, lw.Kernel.Span, lw.Bias.Span, layer.InChannels, layer.OutChannels);
            using var x = ops.Device.Allocate((long)n * h * w * layer.InChannels * 4);
            using var y = ops.Device.Allocate((long)n * h * w * layer.OutChannels * 4);
            long scratch = GpuOps.WinogradScratchFloats(n, h, w, Math.Max(layer.InChannels, ops.PaddedChannels(layer.OutChannels))) * 4;
            using var v = ops.Device.Allocate(scratch);
            using var m = ops.Device.Allocate(scratch);
            var times = new List<double>();
            for (int r = 0; r < 4; r++)
            {
                var sw = Stopwatch.StartNew();
                ops.Conv(cw, x, y, n, h, w, relu: true, v, m);
                ops.Device.Finish();
                if (r > 0) times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            double flops = 2.0 * n * h * w * 9 * layer.InChannels * layer.OutChannels;
            Console.WriteLine($"|   {layer.Name} {h}×{w}×{layer.InChannels}→{layer.OutChannels} | {times[1]:F1} | | {flops / times[1] / 1e6:F1} | |");
        }
    }
}
