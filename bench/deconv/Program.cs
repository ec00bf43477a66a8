using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Tensors;

// deconv-bench [ops|projection|occlusion|features|all] [--reps N] [--images DIR]
// Medians of N repetitions (the machine is shared and noisy). Seeded random weights: speed does not depend on values.
string what = args.Length > 0 ? args[0] : "all";
int reps = args.SkipWhile(a => a != "--reps").Skip(1).Select(int.Parse).DefaultIfEmpty(5).First();
string images = args.SkipWhile(a => a != "--images").Skip(1).DefaultIfEmpty(Path.Combine("..", "shared", "images")).First();
Console.WriteLine($"# deconv bench: {Environment.ProcessorCount} cores, Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, reps {reps}");

double Median(Func<double> run)
{
    run(); // warm-up
    var t = Enumerable.Range(0, reps).Select(_ => run()).OrderBy(x => x).ToArray();
    return t[t.Length / 2];
}
double Ms(Action a) { var w = Stopwatch.StartNew(); a(); return w.Elapsed.TotalMilliseconds; }

Tensor Photo(string name) => ImagePipeline.LoadForNetwork(Path.Combine(images, name), ImageSize.Vgg16Top).Input;

if (what is "ops" or "all")
{
    Console.WriteLine("\n## transposed conv per VGG16 layer shape at 224² (ms, median): own 8-pixel kernel vs forward Conv3x3 with flipped kernel");
    Console.WriteLine("| layer | H×W | Cout→Cin | own | via Conv3x3 | ratio |");
    Console.WriteLine("|---|---|---|---|---|---|");
    int h = 224;
    foreach (var layer in Vgg16Architecture.ConvBase)
    {
        if (layer.IsPool) { h /= 2; continue; }
        var rng = new Random(1);
        var k = new float[9 * layer.InChannels * layer.OutChannels];
        for (int i = 0; i < k.Length; i++) k[i] = (float)rng.NextDouble() - 0.5f;
        var input = new float[h * h * layer.OutChannels];
        for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
        var output = new float[h * h * layer.InChannels];
        var own = PackedConvTranspose3x3.Pack(k, layer.InChannels, layer.OutChannels, useForwardConv: false);
        using var fast = PackedConvTranspose3x3.Pack(k, layer.InChannels, layer.OutChannels);
        double a = Median(() => Ms(() => ConvTranspose3x3.Run(input, h, h, own, output)));
        double b = Median(() => Ms(() => ConvTranspose3x3.Run(input, h, h, fast, output)));
        Console.WriteLine($"| {layer.Name} | {h}×{h} | {layer.OutChannels}→{layer.InChannels} | {a:F1} | {b:F1} | {a / b:F2} |");
    }
}

if (what is "projection" or "all")
{
    using var weights = Vgg16Weights.Random(16);
    using var backend = new CpuBackend(weights);
    using var projector = new Projector(weights);
    var x = Photo("tfkerasvis_goldfish.jpg");
    double forward = Median(() => Ms(() => backend.Forward(x)));
    double record = Median(() => Ms(() => Projector.Record(backend, x, "block5_pool")));
    var tap = Projector.Record(backend, x, "block5_pool");
    Console.WriteLine($"\n## one projection vs one forward (224², batch 1, notop; ms, median of {reps})");
    Console.WriteLine($"forward (conv stack): {forward:F1} ms; forward recording every layer + switches: {record:F1} ms");
    Console.WriteLine("| from | mode | projection ms | ÷ forward |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var layer in new[] { "block3_conv3", "block5_conv3", "block5_pool" })
        foreach (var mode in new[] { ProjectionMode.Max, ProjectionMode.Map, ProjectionMode.Guided })
        {
            double p = Median(() => Ms(() => projector.Project(tap, layer, 7, mode)));
            Console.WriteLine($"| {layer} | {mode.Name()} | {p:F1} | {p / forward:F2} |");
        }
}

if (what is "occlusion" or "all")
{
    using var weights = Vgg16Weights.Random(16, includeTop: true);
    using var backend = new CpuBackend(weights);
    var x = Photo("ozbulak_cat_dog.png");
    Console.WriteLine("\n## occlusion 13×13 (patch 32, stride 16 at 224²) vs 169 forwards at the best batch (with the top)");
    Console.WriteLine("| batch | forward images/s |");
    Console.WriteLine("|---|---|");
    double best = 0; int bestBatch = 1;
    foreach (int b in new[] { 1, 2, 4, 8 })
    {
        var xb = new Tensor(b, 224, 224, 3);
        for (int i = 0; i < b; i++) x.Data.CopyTo(xb.Data, i * x.Data.Length);
        double ms = Median(() => Ms(() => backend.Forward(xb)));
        double ips = b / (ms / 1000);
        Console.WriteLine($"| {b} | {ips:F2} |");
        if (ips > best) { best = ips; bestBatch = b; }
    }
    double forwards169 = 169 / best;
    int occlReps = Math.Max(1, reps / 3);
    var times = Enumerable.Range(0, occlReps).Select(_ =>
    {
        var w = Stopwatch.StartNew();
        var r = Occlusion.Run(backend, x, "block5_conv3", 32, 16, batch: bestBatch);
        if (r.Rows != 13 || r.Cols != 13) throw new InvalidOperationException("not 13×13");
        return w.Elapsed.TotalSeconds;
    }).OrderBy(t => t).ToArray();
    double occl = times[times.Length / 2];
    Console.WriteLine($"169 forwards at best batch {bestBatch}: {forwards169:F1} s; occlusion 13×13 (+1 unoccluded forward) at batch {bestBatch}: {occl:F1} s (median of {occlReps}); ratio {occl / forwards169:F2}");
}

if (what is "features" or "all")
{
    using var weights = Vgg16Weights.Random(16);
    using var backend = new CpuBackend(weights);
    string work = Path.Combine(Path.GetTempPath(), "deconv-bench-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(work);
    try
    {
        foreach (int b in new[] { 1, 4, 8 })
        {
            string ckpt = Path.Combine(work, $"f{b}.json");
            var w = Stopwatch.StartNew();
            var s = FeatureScan.Run(backend, images, new[] { "block3_conv3", "block5_conv3" }, 9, ShardSpec.All, b, ckpt, Console.Error.WriteLine);
            double sec = w.Elapsed.TotalSeconds;
            Console.WriteLine($"features (block3_conv3, block5_conv3, top 9), batch {b}: {s.Processed} images in {sec:F1} s = {s.Processed / sec:F2} images/s");
            File.Delete(ckpt);
        }
    }
    finally { Directory.Delete(work, true); }
}
