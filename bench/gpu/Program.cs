// gpu-check: what bench/gpu/device-check.sh runs on a GPU machine (one self-contained file, no .NET needed there).
//   gpu-check parity --device cuda --out DIR IMAGE...   every layer, switch and the top-5 of --device vs the CPU engine on
//                                                       each photo (seeded random weights WITH the top), one projection,
//                                                       one occlusion map; DIR/parity.json + DIR/parity.md
//   gpu-check speed --device cuda --out DIR [--rungs naive,tiled,regblock,winograd] [--batches 1,32]
//                                                       conv stack (no top) and full model, median ms; DIR/speed.json
//   gpu-check engine-viz ARGS...                        engine-viz itself (the same binary carries it)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CnnEngine.Backends;
using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Kernels;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

if (args.Length > 0 && args[0] == "engine-viz") return CnnEngine.Viz.Cli.EngineVizCli.Run(args[1..]);
if (args.Length == 0 || args[0] is not ("parity" or "speed"))
{
    Console.Error.WriteLine("usage: gpu-check parity|speed|engine-viz … (see bench/gpu/Program.cs)");
    return 2;
}
string device = "cuda", outDir = ".", rungs = "naive,tiled,regblock,winograd", batches = "1,32";
var images = new List<string>();
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--device": device = args[++i]; break;
        case "--out": outDir = args[++i]; break;
        case "--rungs": rungs = args[++i]; break;
        case "--batches": batches = args[++i]; break;
        default: images.Add(args[i]); break;
    }
}
Directory.CreateDirectory(outDir);
try
{
    return args[0] == "parity" ? Parity.Run(device, images, outDir) : Speed.Run(device, rungs, batches, outDir);
}
catch (DeviceException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

/// <summary>Device vs CPU engine on real photos, with the engine's tolerance: 1e-4 of each layer's max |value|.</summary>
internal static class Parity
{
    public const double Tolerance = 1e-4;

    public static int Run(string device, List<string> images, string outDir)
    {
        var md = new StringBuilder();
        var json = new List<object>();
        bool ok = true;
        var clock = Stopwatch.StartNew();
        using var weights = Vgg16Weights.Random(16, includeTop: true);   // seeded random weights, with the top: top-5 is meaningless as ImageNet, comparable between devices
        using var gpu = Devices.Open(device, weights, Console.Error.WriteLine);
        using var cpu = new CpuBackend(weights);
        md.AppendLine($"Device: `{gpu.DeviceId}` {gpu.DeviceName}; weights: seeded random VGG16 with the top (seed 16); tolerance {Tolerance:G} of each layer's max |value|.").AppendLine();
        md.AppendLine("| photo | layer | max error / max \\|value\\| | switches differing (near ties allowed) | |").AppendLine("|---|---|---:|---:|---|");
        foreach (string path in images)
        {
            string name = Path.GetFileName(path);
            var input = ImagePipeline.LoadForNetwork(path, ImageSize.Vgg16Top).Input;   // (1, 224, 224, 3)
            var gpuTap = new RecordingTap();
            var cpuTap = new RecordingTap();
            var gpuOut = gpu.Forward(input, gpuTap);
            var cpuOut = cpu.Forward(input, cpuTap);
            float[]? poolInput = null;
            double inputError = 0;
            foreach (var layer in weights.Layers)
            {
                float[] e = cpuTap.Activations[layer.Name].Data, a = gpuTap.Activations[layer.Name].Data;
                double max = e.Max(MathF.Abs), err = 0;
                for (int i = 0; i < e.Length; i++) err = Math.Max(err, Math.Abs(e[i] - a[i]));
                double rel = max == 0 ? err : err / max;
                string sw = "";
                bool layerOk = rel <= Tolerance;
                if (layer.IsPool)
                {
                    int[] es = cpuTap.Switches[layer.Name].Data, gs = gpuTap.Switches[layer.Name].Data;
                    int diff = 0, bad = 0, c = layer.OutChannels;
                    for (int i = 0; i < es.Length; i++)
                    {
                        if (es[i] == gs[i]) continue;
                        diff++;
                        if (Math.Abs(poolInput![es[i] * c + i % c] - poolInput[gs[i] * c + i % c]) > 2 * inputError) bad++;
                    }
                    sw = $"{diff} of {es.Length}" + (bad > 0 ? $" ({bad} NOT near ties)" : "");
                    layerOk &= bad == 0;
                }
                ok &= layerOk;
                md.AppendLine($"| {name} | {layer.Name} | {rel:G3} | {sw} | {(layerOk ? "ok" : "**FAIL**")} |");
                json.Add(new { photo = name, layer = layer.Name, rel_error = rel, switches = sw, ok = layerOk });
                poolInput = e;
                inputError = err;
            }
            var top = new[] { Top5(cpuOut.Data), Top5(gpuOut.Data) };
            bool topOk = top[0].SequenceEqual(top[1]);
            ok &= topOk;
            md.AppendLine($"| {name} | top-5 | cpu {string.Join(",", top[0])} | {gpu.DeviceId} {string.Join(",", top[1])} | {(topOk ? "ok" : "**FAIL**")} |");
            json.Add(new { photo = name, layer = "top5", cpu = top[0], device = top[1], ok = topOk });
        }

        // One projection (descending on the device) and one occlusion map (forwards on the device), first photo.
        var first = ImagePipeline.LoadForNetwork(images[0], ImageSize.Vgg16Top).Input;
        var record = Projector.Record(cpu, first, "block5_conv3");
        var map = record.Activations["block5_conv3"];
        int channel = CnnEngine.Deconv.ProjectionSeed.StrongestChannel(map.Image(0), map.Shape[3]);
        using var ops = Devices.OpenDeconvOps(gpu.DeviceId, weights);
        using var cpuProjector = new Projector(weights);
        using var gpuProjector = new Projector(weights, device: ops.Down);
        var pe = cpuProjector.Project(record, "block5_conv3", channel, ProjectionMode.Map).Pixels.Data;
        var pa = gpuProjector.Project(record, "block5_conv3", channel, ProjectionMode.Map).Pixels.Data;
        double projRel = RelError(pe, pa);
        var oe = Occlusion.Run(cpu, first, "block5_conv3", 64, 32);
        var oa = Occlusion.Run(gpu, first, "block5_conv3", 64, 32);
        double occRel = Math.Max(RelError(oe.Activation, oa.Activation), RelError(oe.Probability!, oa.Probability!));
        bool deconvOk = projRel <= Tolerance && occRel <= Tolerance && oe.Argmax!.SequenceEqual(oa.Argmax!);
        ok &= deconvOk;
        md.AppendLine().AppendLine($"Projection (block5_conv3 channel {channel}, map mode, descent on `{gpu.DeviceId}`) vs CPU projector: max error {projRel:G3} of max |value|.");
        md.AppendLine($"Occlusion map (block5_conv3, patch 64, stride 32, {oe.Rows}×{oe.Cols}, forwards on `{gpu.DeviceId}`) vs CPU engine: max error {occRel:G3} (activation and probability maps), argmax maps {(oe.Argmax!.SequenceEqual(oa.Argmax!) ? "identical" : "DIFFER")}.");
        md.AppendLine().AppendLine($"Parity {(ok ? "PASSED" : "FAILED")} in {clock.Elapsed.TotalSeconds:F0} s.");
        json.Add(new { projection_rel_error = projRel, occlusion_rel_error = occRel, ok = deconvOk });
        File.WriteAllText(Path.Combine(outDir, "parity.md"), md.ToString());
        File.WriteAllText(Path.Combine(outDir, "parity.json"), JsonSerializer.Serialize(new { device = gpu.DeviceName, ok, checks = json }));
        Console.WriteLine(md.ToString());
        return ok ? 0 : 3;
    }

    private static int[] Top5(float[] p) => Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).Take(5).ToArray();

    private static double RelError(float[] e, float[] a)
    {
        double max = 0, err = 0;
        for (int i = 0; i < e.Length; i++) { max = Math.Max(max, Math.Abs(e[i])); err = Math.Max(err, Math.Abs(e[i] - a[i])); }
        return max == 0 ? err : err / max;
    }
}

/// <summary>Median forward time per rung and batch, conv stack (no top) and full model; includes the input upload and the result's read-back.</summary>
internal static class Speed
{
    public static int Run(string device, string rungs, string batches, string outDir)
    {
        var rows = new List<object>();
        foreach (bool top in new[] { false, true })
        {
            using var weights = Vgg16Weights.Random(16, includeTop: top);
            foreach (string rung in rungs.Split(','))
            {
                using var backend = Devices.Open(device, weights, Console.Error.WriteLine, rung);
                foreach (int batch in batches.Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)))
                {
                    var input = new Tensor(batch, 224, 224, 3);
                    var rng = new Random(1);
                    for (int i = 0; i < input.Data.Length; i++) input.Data[i] = (float)(rng.NextDouble() * 255 - 120);
                    backend.Forward(input);   // warm-up: kernel compilation, buffers
                    int reps = batch >= 16 ? 5 : 10;
                    var times = new List<double>();
                    for (int r = 0; r < reps; r++)
                    {
                        var clock = Stopwatch.StartNew();
                        backend.Forward(input);
                        times.Add(clock.Elapsed.TotalMilliseconds);
                        if (times.Sum() > 20_000) break;   // a slow rung: enough
                    }
                    times.Sort();
                    double median = times[times.Count / 2];
                    double gflops = Vgg16Architecture.ConvStackFlops(224, 224) * batch / (median / 1000) / 1e9;
                    long? peak = Devices.PeakDeviceBytes(backend);
                    var row = new { model = top ? "full" : "conv stack", rung, batch, median_ms = median, min_ms = times[0], conv_gflops_per_s = gflops, peak_device_mb = peak / (1 << 20), device = backend.DeviceName };
                    rows.Add(row);
                    Console.WriteLine(JsonSerializer.Serialize(row));
                }
            }
        }
        File.WriteAllText(Path.Combine(outDir, "speed.json"), JsonSerializer.Serialize(rows));
        return 0;
    }
}
