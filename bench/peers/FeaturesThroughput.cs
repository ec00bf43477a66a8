using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv;
using CnnEngine.Model;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench features [--images DIR] [--copies 4] [--rounds 3]: the whole `features` pipeline (decode + resize +
/// forward + top-9 bookkeeping for block4_conv3 and block5_conv3 + checkpoint per batch) over a dataset of the shared
/// photos copied --copies times, images/s. Alternates, in each round, the pipeline as it was before issue 12 (direct
/// convolution everywhere, the scan loop of <see cref="LegacyFeatureScan"/>: one image decoded at a time between
/// forwards, fresh arrays, a checkpoint per batch) with the current <see cref="FeatureScan"/> (Winograd, the next batch
/// decoded in the background while this one runs, reused buffers, a checkpoint every 5 s) at batch 4, 8 and 16.
/// </summary>
internal static class FeaturesThroughput
{
    public static int Run(string[] args)
    {
        string images = Program.Arg(args, "--images") ?? "../shared/images";
        int copies = int.Parse(Program.Arg(args, "--copies") ?? "4");
        int rounds = int.Parse(Program.Arg(args, "--rounds") ?? "3");
        string work = Path.Combine(Path.GetTempPath(), "peers-features-" + Guid.NewGuid().ToString("N")[..8]);
        string dataset = Path.Combine(work, "dataset");
        Directory.CreateDirectory(dataset);
        try
        {
            var sources = FeatureScan.ListImages(images);
            for (int k = 0; k < copies; k++)
            foreach (var s in sources)
                File.Copy(Path.GetFullPath(Path.Combine(images, s)), Path.Combine(dataset, $"{k}_{Path.GetFileName(s)}"));   // copies: features visits each real file once, so symlinks would count once
            int count = copies * sources.Count;
            using var weights = Vgg16Weights.Random(16);
            using var before = new CpuBackend(weights, 0, ConvPolicy.DirectOnly);
            using var after = new CpuBackend(weights, 0, ConvPolicy.Auto);
            var configs = new (string Name, CpuBackend Backend, int Batch, bool Legacy)[]
            {
                ("before: direct conv, the pre-issue-12 scan loop, batch 8", before, 8, true),
                ("now: Winograd, decode overlapped, reused buffers, batch 4", after, 4, false),
                ("now: Winograd, decode overlapped, reused buffers, batch 8", after, 8, false),
                ("now: Winograd, decode overlapped, reused buffers, batch 16", after, 16, false),
            };
            var names = FeatureScan.ListImages(dataset);
            var results = configs.ToDictionary(c => c.Name, _ => new List<double>());
            string[] layers = { "block4_conv3", "block5_conv3" };
            for (int r = -1; r < rounds; r++) // round -1 warms every pipeline up (JIT, first-touch of buffers, lazy packing) and is not counted
            foreach (var c in configs)
            {
                string ckpt = Path.Combine(work, "f.json");
                var clock = Stopwatch.StartNew();
                int processed = c.Legacy
                    ? LegacyFeatureScan.Run(c.Backend, names, dataset, layers, 9, c.Batch, ckpt)
                    : FeatureScan.Run(c.Backend, dataset, layers, 9, ShardSpec.All, c.Batch, ckpt, _ => { }).Processed;
                double seconds = clock.Elapsed.TotalSeconds;
                File.Delete(ckpt);
                if (processed != count) throw new InvalidOperationException($"processed {processed} of {count}");
                if (r >= 0) results[c.Name].Add(count / seconds);
            }
            Console.WriteLine($"features over {count} images ({copies} × the {sources.Count} shared photos), {rounds} alternating rounds after one untimed, images/s:");
            Console.WriteLine("| pipeline | median images/s | all rounds | median per-round ratio to before (range) |");
            Console.WriteLine("|---|---|---|---|");
            var baseline = results[configs[0].Name];
            foreach (var c in configs)
            {
                var v = results[c.Name].OrderBy(x => x).ToArray();
                var ratios = results[c.Name].Select((x, r) => x / baseline[r]).OrderBy(x => x).ToArray();
                Console.WriteLine($"| {c.Name} | {v[v.Length / 2]:F2} | {string.Join(", ", results[c.Name].Select(x => x.ToString("F2")))} | {ratios[ratios.Length / 2]:F2}× ({ratios[0]:F2}–{ratios[^1]:F2}) |");
            }
            return 0;
        }
        finally { Directory.Delete(work, true); }
    }
}
