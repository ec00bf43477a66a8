using System.CommandLine;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// engine-viz features DATASET_DIR --layers L1,L2 --top 9 [--shard K/N] [--out DIR]: the K strongest activations of
/// every feature map across a folder (streamed in batches; DIR/features.json is the checkpoint and the result, so a
/// rerun with the same settings resumes), then grids of projections beside image patches.
/// engine-viz merge PART_DIR… --out DIR: merges complete shard results into exactly what one run gives.
/// </summary>
internal static class FeaturesCommand
{
    public const string ResultFile = "features.json";

    public static readonly Argument<string> Dataset = new("DATASET_DIR") { Description = "Folder of images (.jpg, .jpeg, .png; searched recursively)" };
    public static readonly Option<string> Layers = new("--layers") { Description = "Comma-separated layers, e.g. block3_conv3,block5_conv3", Required = true };
    public static readonly Option<int> Top = new("--top") { Description = "Strongest activations kept per feature map", DefaultValueFactory = _ => 9 };
    public static readonly Option<string?> Shard = new("--shard") { Description = "K/N: process only every N-th image starting at K (0 ≤ K < N)" };
    public static readonly Option<int> Batch = new("--batch") { Description = "Images per forward batch", DefaultValueFactory = _ => 8 };
    public static readonly Option<int> RenderChannels = new("--render-channels") { Description = "Feature maps per layer drawn in the grids (-1 = all, 0 = none)", DefaultValueFactory = _ => 16 };
    public static readonly Option<string> Out = new("--out") { Description = "Result folder", DefaultValueFactory = _ => "features_viz" };

    public static readonly Argument<string[]> Parts = new("PART_DIR") { Description = "Result folders of the shards", Arity = ArgumentArity.OneOrMore };

    public static Command BuildFeatures()
    {
        var command = new Command("features", "Dataset top-K activations per feature map with projection grids (Zeiler & Fergus Fig. 2)");
        command.Arguments.Add(Dataset);
        foreach (var o in new Option[] { Layers, Top, Shard, Batch, RenderChannels, Out, CommandRunner.Force }) command.Options.Add(o);
        CommonOptions.AddTo(command, imageOptions: false);
        ModelOptions.AddSelectionTo(command);
        command.SetAction(r => CommandRunner.Run(() => ExecuteFeatures(r)));
        return command;
    }

    public static Command BuildMerge()
    {
        var command = new Command("merge", "Merge 'features --shard' results into what one run gives");
        command.Arguments.Add(Parts);
        command.Options.Add(RenderChannels);
        command.Options.Add(Out);
        command.Options.Add(CommandRunner.Force);
        CommonOptions.AddTo(command, imageOptions: false);
        ModelOptions.AddSelectionTo(command);
        command.SetAction(r => CommandRunner.Run(() => ExecuteMerge(r)));
        return command;
    }

    private static int ExecuteFeatures(ParseResult r)
    {
        var console = new CliConsole(r.GetValue(CommonOptions.Quiet), r.GetValue(CommonOptions.Json));
        bool own = ModelOptions.IsOwnModel(r);
        var layers = r.GetValue(Layers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (layers.Length == 0) throw new DeconvException("--layers is empty");
        if (!own) foreach (var l in layers) ConvLayers.Find(l);
        if (layers.Distinct().Count() != layers.Length) throw new DeconvException("--layers names a layer twice");
        int k = r.GetValue(Top), batch = r.GetValue(Batch);
        if (k is <= 0 or > FeatureScanState.MaxK) throw new DeconvException($"--top must be 1 … {FeatureScanState.MaxK} (got {k})");
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        var shard = r.GetValue(Shard) is string s ? ShardSpec.Parse(s) : ShardSpec.All;
        string dataset = r.GetValue(Dataset)!;
        FeatureScan.ListImages(dataset); // empty or missing folder: fail before loading weights
        string outDir = r.GetValue(Out)!;
        int renderChannels = r.GetValue(RenderChannels);

        if (own)
        {
            // A user's CNN (--model FILE|vgg19): its Keras layer names, its input; the result records its identity.
            using var model = OwnModelDeconv.Open(r, null, console);
            foreach (var l in layers) model.MapLayer(l);
            using var ownOutputs = CommandRunner.PrepareOutputs(r, outDir, null);
            return Scan(console, model.FeatureNetwork(), dataset, layers, k, shard, batch, outDir,
                state => FeatureGrid.Render(state, model, outDir, renderChannels, console.Info), renderChannels);
        }
        using var outputs = CommandRunner.PrepareOutputs(r, outDir, null);
        using var loaded = DeconvHost.LoadWeights(r, needTop: false, console);
        MemoryBudget.Check(r, ForwardMemory.Of(batch, CnnEngine.Model.Vgg16Architecture.TopInputSize, CnnEngine.Model.Vgg16Architecture.TopInputSize,
            loaded.HasTop, ForwardMemory.Taps.OneLayer), "features");
        // The scan reads feature maps only: a forward over the conv base ends at block5_pool (no fc layers run).
        var weights = loaded.WithoutTop();
        using var backend = DeconvHost.OpenBackend(r, weights, console);
        return Scan(console, new Vgg16FeatureNetwork(backend), dataset, layers, k, shard, batch, outDir,
            state => FeatureGrid.Render(state, backend, outDir, renderChannels, console.Info), renderChannels);
    }

    /// <summary>The scan (or its resumption), then the grids when this is the whole dataset, then the summary.</summary>
    private static int Scan(CliConsole console, IFeatureNetwork network, string dataset, string[] layers, int k, ShardSpec shard, int batch,
        string outDir, Func<FeatureScanState, IReadOnlyList<string>> render, int renderChannels)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int startNext = File.Exists(Path.Combine(outDir, ResultFile)) ? FeatureScanState.Load(Path.Combine(outDir, ResultFile)).Next : 0;
        if (startNext > 0) console.Info($"resuming at image {startNext} of this shard");
        var state = FeatureScan.Run(network, dataset, layers, k, shard, batch, Path.Combine(outDir, ResultFile), console.Warn,
            (done, total) => console.Info($"features {done}/{total}"));
        double seconds = watch.Elapsed.TotalSeconds;
        int newly = state.Next - startNext;
        console.Info($"{state.Processed} images, {state.Skipped.Count} skipped, {newly / Math.Max(seconds, 1e-9):F2} images/s this run");
        if (state.Skipped.Count > 0) console.Warn($"warning: {state.Skipped.Count} unreadable image(s) skipped");

        var pictures = shard.Count == 1 && renderChannels != 0 ? render(state) : Array.Empty<string>();
        console.Result(Path.Combine(outDir, ResultFile));
        foreach (var p in pictures) console.Result(p);
        console.JsonResult(new { processed = state.Processed, skipped = state.Skipped.Count, images_per_second = newly / Math.Max(seconds, 1e-9), shard = shard.ToString(), files = pictures.Prepend(Path.Combine(outDir, ResultFile)) });
        return 0;
    }

    private static int ExecuteMerge(ParseResult r)
    {
        var console = new CliConsole(r.GetValue(CommonOptions.Quiet), r.GetValue(CommonOptions.Json));
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, null);
        var parts = r.GetValue(Parts)!.Select(dir =>
        {
            string file = Path.Combine(dir, ResultFile);
            if (!File.Exists(file)) throw new DeconvException($"{dir} holds no {ResultFile} (not a features result folder)");
            return FeatureScanState.Load(file);
        }).ToArray();
        var merged = FeatureScan.Merge(parts);
        int renderChannels = r.GetValue(RenderChannels);
        // Results of a user's model render with that model only: check before writing anything.
        using var model = renderChannels != 0 && ModelOptions.IsOwnModel(r) ? OwnModelDeconv.Open(r, null, console) : null;
        if (model is not null)
        {
            var identity = CnnEngine.Model.Cnn.CnnModelIdentity.Of(model.Model);
            if (identity.Sha256 != merged.Weights.Sha256)
                throw new DeconvException($"the shards come from {merged.Weights.Model} ({merged.Weights.Source}, sha256 {merged.Weights.Sha256[..12]}…), --model is {identity.Model} ({identity.Source}, sha256 {identity.Sha256[..12]}…): pass the model they were computed with, or --render-channels 0");
        }
        else if (renderChannels != 0 && merged.Weights.Model != CnnEngine.Model.WeightsIdentity.Vgg16)
            throw new DeconvException($"the shards come from your model {merged.Weights.Model} ({merged.Weights.Source}): pass it with --model to render the grids, or --render-channels 0");
        string outDir = CommandRunner.EnsureFolder(r.GetValue(Out)!);
        merged.Save(Path.Combine(outDir, ResultFile));
        console.Info($"merged {parts.Length} shards: {merged.Processed} images, {merged.Skipped.Count} skipped");
        var pictures = new List<string>();
        if (model is not null) pictures.AddRange(FeatureGrid.Render(merged, model, outDir, renderChannels, console.Info));
        else if (renderChannels != 0)
        {
            using var weights = DeconvHost.LoadWeights(r, needTop: false, console);
            using var backend = DeconvHost.OpenBackend(r, weights, console);
            pictures.AddRange(FeatureGrid.Render(merged, backend, outDir, renderChannels, console.Info));
        }
        console.Result(Path.Combine(outDir, ResultFile));
        foreach (var p in pictures) console.Result(p);
        console.JsonResult(new { processed = merged.Processed, skipped = merged.Skipped.Count, files = pictures.Prepend(Path.Combine(outDir, ResultFile)) });
        return 0;
    }
}
