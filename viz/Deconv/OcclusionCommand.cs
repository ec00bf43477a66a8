using System.CommandLine;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// engine-viz occlusion IMAGE --layer L --patch P --stride S [--class C] [--batch B] [--export-npy DIR] [--out DIR]:
/// occlusion sensitivity (Zeiler &amp; Fergus Fig. 7). Maps (rows = y) as .npy: occlusion_activation float32,
/// occlusion_prob float32 and occlusion_argmax int32 (the last two need the classifier top), and one figure with
/// (a) the input with the most damaging occluder, (b) the strongest map's total activation, (c) the deconv
/// projection of that map, (d) the probability of the class, (e) the most probable class per position.
/// </summary>
internal static class OcclusionCommand
{
    public static readonly Argument<string> Image = new("IMAGE") { Description = "Image file (JPEG, PNG, WebP, BMP or GIF)" };
    public static readonly Option<string> Layer = new("--layer") { Description = "Layer whose strongest feature map is tracked", DefaultValueFactory = _ => "block5_conv3" };
    public static readonly Option<int> Patch = new("--patch") { Description = "Side of the grey square in pixels", DefaultValueFactory = _ => 56 };
    public static readonly Option<int> Stride = new("--stride") { Description = "Step between occluder positions in pixels", DefaultValueFactory = _ => 14 };
    public static readonly Option<int?> Class = new("--class") { Description = "ImageNet class whose probability is mapped (default: the unoccluded top-1)" };
    public static readonly Option<int> Batch = new("--batch") { Description = "Occluded images per forward batch", DefaultValueFactory = _ => 8 };
    public static readonly Option<string?> ExportNpy = new("--export-npy") { Description = "Folder for occlusion_*.npy" };
    public static readonly Option<string> Out = new("--out") { Description = "Folder for the figure", DefaultValueFactory = _ => "occlusion_viz" };

    public static Command Build()
    {
        var command = new Command("occlusion", "Occlusion sensitivity maps (Zeiler & Fergus Fig. 7)");
        command.Arguments.Add(Image);
        foreach (var o in new Option[] { Layer, Patch, Stride, Class, Batch, ExportNpy, Out, CommandRunner.Force }) command.Options.Add(o);
        CommonOptions.AddTo(command);
        ModelOptions.AddSelectionTo(command);
        command.SetAction(r => CommandRunner.Run(() => Execute(r)));
        return command;
    }

    private static int Execute(ParseResult r)
    {
        var console = new CliConsole(r.GetValue(CommonOptions.Quiet), r.GetValue(CommonOptions.Json));
        if (ModelOptions.IsOwnModel(r)) return ExecuteOwnModel(r, console);
        string layer = r.GetValue(Layer)!;
        ConvLayers.Find(layer);
        int patch = r.GetValue(Patch), stride = r.GetValue(Stride), batch = r.GetValue(Batch);
        if (patch <= 0) throw new DeconvException($"--patch must be positive (got {patch})");
        if (stride <= 0) throw new DeconvException($"--stride must be positive (got {stride})");
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        int? klass = r.GetValue(Class);
        if (klass is int k && (uint)k >= Vgg16Architecture.ClassCount) throw new DeconvException($"class {k} is out of range (0 … {Vgg16Architecture.ClassCount - 1})");
        string path = r.GetValue(Image)!;
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, r.GetValue(ExportNpy));
        var (original, sizing) = DeconvHost.DecodeImage(r, path);
        int h = sizing.Native ? original.Height : Vgg16Architecture.TopInputSize, w = sizing.Native ? original.Width : Vgg16Architecture.TopInputSize;
        if (patch > h || patch > w) throw new DeconvException($"patch {patch} is larger than the {h}×{w} image");
        if (klass is not null && sizing.Native) throw new DeconvException("--class needs the classifier top, which needs the 224×224 input (drop --size native)");

        using var weights = DeconvHost.LoadWeights(r, needTop: !sizing.Native, console);
        var image = DeconvHost.Prepare(path, original, sizing, weights.HasTop);
        // Batches of occluded copies (one layer tapped), then one forward with every layer for the projection.
        var batched = ForwardMemory.Of(batch, image.Input.Shape[1], image.Input.Shape[2], weights.HasTop, ForwardMemory.Taps.OneLayer);
        var whole = ForwardMemory.Of(1, image.Input.Shape[1], image.Input.Shape[2], weights.HasTop, ForwardMemory.Taps.All);
        MemoryBudget.Check(r, batched.Total > whole.Total ? batched : whole, "occlusion");
        using var backend = DeconvHost.OpenBackend(r, weights, console);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Occlusion.Run(backend, image.Input, layer, patch, stride, klass, batch,
            (done, total) => console.Info($"occlusion {done}/{total}"));
        double ms = watch.Elapsed.TotalMilliseconds;
        console.Info($"{result.Rows}×{result.Cols} positions in {ms:F0} ms");

        using var handle = DeconvHost.CreateProjector(backend, console);
        var projector = handle.Projector;
        var projection = projector.Project(Projector.Record(backend, image.Input, layer), layer, result.StrongestChannel, ProjectionMode.Max);
        return WriteOutputs(r, console, result, OcclusionFigure.Render(image.Input, result, projection), ms);
    }

    /// <summary>
    /// --model FILE|vgg19: occlusion on a user's CNN. --layer (default: its deepest feature-map layer), --patch and
    /// --stride (defaults: VGG16's 56 and 14 scaled to the model's input side), the occluder a mid-grey pixel as fed.
    /// </summary>
    private static int ExecuteOwnModel(ParseResult r, CliConsole console)
    {
        int batch = r.GetValue(Batch);
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        string path = r.GetValue(Image)!;
        using var own = OwnModelDeconv.Open(r, path, console, new OwnModelSession.Needs(Batch: batch, Taps: ForwardMemory.Taps.OneLayer));
        string layer = r.GetResult(Layer) is { Implicit: false } ? own.MapLayer(r.GetValue(Layer)!).Name : CnnProjector.ProjectableLayers(own.Model)[^1].Name;
        int patch = r.GetResult(Patch) is { Implicit: false } ? r.GetValue(Patch) : own.ScaledFrom224(56);
        int stride = r.GetResult(Stride) is { Implicit: false } ? r.GetValue(Stride) : own.ScaledFrom224(14);
        if (patch <= 0 || stride <= 0 || patch > Math.Min(own.Model.Input.Height, own.Model.Input.Width))
            throw new DeconvException($"--patch {patch} --stride {stride}: need 0 < patch ≤ {Math.Min(own.Model.Input.Height, own.Model.Input.Width)} (the model's input side) and stride > 0");
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, r.GetValue(ExportNpy));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Occlusion.Run(own.Backend.Forward, own.Image.Input, layer, own.Model.ClassCount, patch, stride, r.GetValue(Class), batch,
            own.GreyPixel(), (done, total) => console.Info($"occlusion {done}/{total}"));
        double ms = watch.Elapsed.TotalMilliseconds;
        console.Info($"{result.Rows}×{result.Cols} positions in {ms:F0} ms");
        var projector = new CnnProjector(own.Model);
        var projection = projector.Project(projector.Record(own.Backend, own.Image.Input, layer), layer, result.StrongestChannel, ProjectionMode.Max);
        var figure = OcclusionFigure.Render(own.InputPicture(), result, own.Picture(projection.Pixels), own.LabelOf);
        return WriteOutputs(r, console, result, figure, ms);
    }

    private static int WriteOutputs(ParseResult r, CliConsole console, OcclusionResult result, RgbCanvas picture, double ms)
    {
        var written = new List<string>();
        if (r.GetValue(ExportNpy) is string npyDir)
        {
            CommandRunner.EnsureFolder(npyDir);
            written.AddRange(WriteMaps(npyDir, result));
        }
        string outDir = CommandRunner.EnsureFolder(r.GetValue(Out)!);
        string figure = Path.Combine(outDir, $"occlusion_{result.Layer}_p{result.Patch}_s{result.Stride}.png");
        PngWriter.Write(figure, picture);
        written.Add(figure);
        foreach (var f in written) console.Result(f);
        console.JsonResult(new
        {
            layer = result.Layer, patch = result.Patch, stride = result.Stride, rows = result.Rows, cols = result.Cols, strongest_channel = result.StrongestChannel,
            @class = result.ClassIndex, baseline_probability = result.BaselineProbability, milliseconds = ms, files = written,
        });
        return 0;
    }

    /// <summary>occlusion_activation.npy float32, occlusion_prob.npy float32, occlusion_argmax.npy int32, all (rows, cols).</summary>
    public static IEnumerable<string> WriteMaps(string dir, OcclusionResult result)
    {
        string a = Path.Combine(dir, "occlusion_activation.npy");
        NpyWriter.Write(a, result.Activation, result.Rows, result.Cols);
        yield return a;
        if (result.Probability is not null)
        {
            string p = Path.Combine(dir, "occlusion_prob.npy");
            NpyWriter.Write(p, result.Probability, result.Rows, result.Cols);
            yield return p;
            string m = Path.Combine(dir, "occlusion_argmax.npy");
            NpyWriter.Write(m, result.Argmax!, result.Rows, result.Cols);
            yield return m;
        }
    }
}
