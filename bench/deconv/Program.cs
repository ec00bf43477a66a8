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
    Console.WriteLine("| layer | H×W | Cout→Cin | own kernel | driver (Conv3x3 / few-outputs) | Conv3x3 alone | own ÷ driver |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
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
        double c = Median(() => Ms(() => Conv3x3.Run(input, h, h, fast.Forward!, output, relu: false)));
        Console.WriteLine($"| {layer.Name} | {h}×{h} | {layer.OutChannels}→{layer.InChannels} | {a:F1} | {b:F1} | {c:F1} | {a / b:F2} |");
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
    Console.WriteLine("Each row interleaves forwards and projections (medians of both), so load changes on the shared machine hit both alike.");
    Console.WriteLine("| from | mode | projection ms | forward ms | projection ÷ forward |");
    Console.WriteLine("|---|---|---|---|---|");
    foreach (var layer in new[] { "block3_conv3", "block5_conv3", "block5_pool" })
        foreach (var mode in new[] { ProjectionMode.Max, ProjectionMode.Map, ProjectionMode.Guided })
        {
            var ps = new List<double>(); var fs = new List<double>();
            projector.Project(tap, layer, 7, mode);
            for (int r = 0; r < reps; r++)
            {
                fs.Add(Ms(() => backend.Forward(x)));
                ps.Add(Ms(() => projector.Project(tap, layer, 7, mode)));
            }
            double p = ps.OrderBy(v => v).ElementAt(reps / 2), f = fs.OrderBy(v => v).ElementAt(reps / 2);
            Console.WriteLine($"| {layer} | {mode.Name()} | {p:F1} | {f:F1} | {p / f:F2} |");
        }
}

if (what is "occlusion" or "all")
{
    using var weights = Vgg16Weights.Random(16, includeTop: true);
    using var backend = new CpuBackend(weights);
    var x = Photo("ozbulak_cat_dog.png");
    Tensor Batch(int b) { var xb = new Tensor(b, 224, 224, 3); for (int i = 0; i < b; i++) x.Data.CopyTo(xb.Data, i * x.Data.Length); return xb; }
    int[] sizes = { 1, 2, 4, 8 };
    var batches = sizes.ToDictionary(b => b, Batch);
    // Round-robin over batch sizes so that load changes on the shared machine hit every size alike.
    var samples = sizes.ToDictionary(b => b, _ => new List<double>());
    backend.Forward(batches[1]);
    for (int r = 0; r < reps; r++) foreach (int b in sizes) samples[b].Add(Ms(() => backend.Forward(batches[b])));
    Console.WriteLine("\n## occlusion vs forwards (with the top, 224²)");
    Console.WriteLine("| batch | forward ms (median) | images/s |");
    Console.WriteLine("|---|---|---|");
    double best = 0; int bestBatch = 1;
    foreach (int b in sizes)
    {
        double ms = samples[b].OrderBy(v => v).ElementAt(samples[b].Count / 2);
        double ips = b / (ms / 1000);
        Console.WriteLine($"| {b} | {ms:F0} | {ips:F2} |");
        if (ips > best) { best = ips; bestBatch = b; }
    }
    // The occlusion machinery against the forwards it runs, interleaved: a 2×2 grid (patch 112, stride 112) at batch 4
    // is exactly one unoccluded forward (batch 1) plus one batch of 4 occluded images.
    var occl = new List<double>(); var plain = new List<double>();
    for (int r = 0; r < reps; r++)
    {
        occl.Add(Ms(() => Occlusion.Run(backend, x, "block5_conv3", 112, 112, batch: 4)));
        plain.Add(Ms(() => { backend.Forward(batches[1]); backend.Forward(batches[4]); }));
    }
    double o = occl.OrderBy(v => v).ElementAt(reps / 2), p = plain.OrderBy(v => v).ElementAt(reps / 2);
    Console.WriteLine($"occlusion 2×2 at batch 4: {o:F0} ms vs forward(1) + forward(4): {p:F0} ms → machinery overhead ×{o / p:F2} (medians of {reps}, interleaved)");
    double estimate = (samples[1].OrderBy(v => v).ElementAt(reps / 2) + Math.Ceiling(169.0 / bestBatch) * samples[bestBatch].OrderBy(v => v).ElementAt(reps / 2)) * (o / p) / 1000;
    Console.WriteLine($"13×13 estimate from those medians: {estimate:F1} s vs 169 forwards at best batch {bestBatch}: {169 / best:F1} s → ×{estimate / (169 / best):F2}");
    var w = Stopwatch.StartNew();
    var full = Occlusion.Run(backend, x, "block5_conv3", 32, 16, batch: bestBatch);
    double fullS = w.Elapsed.TotalSeconds;
    if (full.Rows != 13 || full.Cols != 13) throw new InvalidOperationException("not 13×13");
    Console.WriteLine($"one full 13×13 run (patch 32, stride 16) at batch {bestBatch}: {fullS:F1} s → ×{fullS / (169 / best):F2} of 169 forwards (single run: at the mercy of the machine's load)");
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

if (what is "occlprobe")
{
    using var weights = Vgg16Weights.Random(16, includeTop: true);
    using var backend = new CpuBackend(weights);
    var x = Photo("ozbulak_cat_dog.png");
    var x4 = new Tensor(4, 224, 224, 3);
    for (int i = 0; i < 4; i++) x.Data.CopyTo(x4.Data, i * x.Data.Length);
    var a = new List<double>(); var b = new List<double>(); var c = new List<double>();
    backend.Forward(x4);
    for (int r = 0; r < reps; r++)
    {
        a.Add(Ms(() => Occlusion.Run(backend, x, "block5_conv3", 112, 112, batch: 4)));
        b.Add(Ms(() => { backend.Forward(x); backend.Forward(x4); }));
        c.Add(Ms(() => { backend.Forward(x, new CnnEngine.Taps.RecordingTap(new[] { "block5_conv3" })); backend.Forward(x4, new CnnEngine.Taps.RecordingTap(new[] { "block5_conv3" })); }));
    }
    double M(List<double> l) => l.OrderBy(v => v).ElementAt(l.Count / 2);
    Console.WriteLine($"occlusion 2x2 b4: {M(a):F0} ms; forward(1)+forward(4): {M(b):F0} ms; same with taps: {M(c):F0} ms");
    Console.WriteLine("a: " + string.Join(" ", a.Select(v => v.ToString("F0"))));
    Console.WriteLine("b: " + string.Join(" ", b.Select(v => v.ToString("F0"))));
    Console.WriteLine("c: " + string.Join(" ", c.Select(v => v.ToString("F0"))));
}

if (what is "occlfull")
{
    // The full 13×13 occlusion against 169 forwards at batch 8 (as 21 batches of 8 + 1), alternated, medians.
    using var weights = Vgg16Weights.Random(16, includeTop: true);
    using var backend = new CpuBackend(weights);
    var x = Photo("ozbulak_cat_dog.png");
    var x8 = new Tensor(8, 224, 224, 3);
    for (int i = 0; i < 8; i++) x.Data.CopyTo(x8.Data, i * x.Data.Length);
    backend.Forward(x8);
    var occl = new List<double>(); var fwd = new List<double>();
    for (int r = 0; r < reps; r++)
    {
        occl.Add(Ms(() => Occlusion.Run(backend, x, "block5_conv3", 32, 16, batch: 8)) / 1000);
        fwd.Add(Ms(() => { for (int b = 0; b < 21; b++) backend.Forward(x8); backend.Forward(x); }) / 1000);
    }
    double o = occl.OrderBy(v => v).ElementAt(reps / 2), f = fwd.OrderBy(v => v).ElementAt(reps / 2);
    Console.WriteLine($"\n## occlusion 13×13 (patch 32, stride 16, batch 8) vs 169 forwards (21×8 + 1), alternated, medians of {reps}");
    Console.WriteLine($"occlusion {o:F1} s, 169 forwards {f:F1} s → ×{o / f:F2}");
    Console.WriteLine("occlusion s: " + string.Join(" ", occl.Select(v => v.ToString("F1"))));
    Console.WriteLine("forwards  s: " + string.Join(" ", fwd.Select(v => v.ToString("F1"))));
}
