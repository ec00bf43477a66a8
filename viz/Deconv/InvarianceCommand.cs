using System.CommandLine;
using System.Globalization;
using System.Text;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// engine-viz invariance IMAGE --transform translate|scale|rotate [--range START:STOP:STEP] [--out DIR]:
/// Zeiler &amp; Fergus Fig. 5. Writes DIR/invariance_&lt;transform&gt;.csv and three charts (SVG and PNG): the Euclidean
/// distance of layer 1 (block1 output) and layer 7 (fc2) features from the original's, and the probability of the
/// original top-1 class.
/// </summary>
internal static class InvarianceCommand
{
    public static readonly Argument<string> Image = new("IMAGE") { Description = "Image file (JPEG, PNG, WebP, BMP or GIF)" };
    public static readonly Option<string> Transform = new("--transform") { Description = "translate (pixels, horizontal) | scale (factor) | rotate (degrees)", Required = true };
    public static readonly Option<string?> Range = new("--range") { Description = "START:STOP:STEP (defaults: translate -60:60:10, scale 0.6:1.4:0.1, rotate 0:360:15)" };
    public static readonly Option<int> Batch = new("--batch") { Description = "Transformed images per forward batch", DefaultValueFactory = _ => 8 };
    public static readonly Option<string?> EarlyLayer = new("--early-layer") { Description = "Your model: the layer-1 features (default: its first pool, else its first layer)" };
    public static readonly Option<string?> DenseLayer = new("--dense-layer") { Description = "Your model: the layer-7 features (default: its last hidden dense layer)" };
    public static readonly Option<string> Out = new("--out") { Description = "Folder for the CSV and charts", DefaultValueFactory = _ => "invariance_viz" };

    public static Command Build()
    {
        var command = new Command("invariance", "Feature and class invariance to translation, scale, rotation (Zeiler & Fergus Fig. 5)");
        command.Arguments.Add(Image);
        foreach (var o in new Option[] { Transform, Range, Batch, EarlyLayer, DenseLayer, Out, CommandRunner.Force }) command.Options.Add(o);
        CommonOptions.AddTo(command);
        ModelOptions.AddSelectionTo(command);
        command.SetAction(r => CommandRunner.Run(() => Execute(r)));
        return command;
    }

    private static int Execute(ParseResult r)
    {
        var console = new CliConsole(r.GetValue(CommonOptions.Quiet), r.GetValue(CommonOptions.Json));
        if (ModelOptions.IsOwnModel(r)) return ExecuteOwnModel(r, console);
        if (r.GetResult(EarlyLayer) is not null || r.GetResult(DenseLayer) is not null)
            throw new DeconvException("--early-layer and --dense-layer apply to --model vgg19 or your own model (VGG16 uses block1_pool and fc2)");
        var transform = Invariance.ParseTransform(r.GetValue(Transform)!);
        var parameters = Invariance.ParseRange(r.GetValue(Range) ?? Invariance.DefaultRange(transform), transform);
        int batch = r.GetValue(Batch);
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        string path = r.GetValue(Image)!;
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, null);
        var (original, sizing) = DeconvHost.DecodeImage(r, path);
        if (sizing.Native) throw new DeconvException("invariance needs the classifier top, which needs the 224×224 input (drop --size native)");
        using var weights = DeconvHost.LoadWeights(r, needTop: true, console);
        var image = DeconvHost.Prepare(path, original, sizing, weights.HasTop);
        MemoryBudget.Check(r, ForwardMemory.Of(Math.Min(batch, parameters.Length), image.Input.Shape[1], image.Input.Shape[2], weights.HasTop, ForwardMemory.Taps.OneLayer), "invariance");
        using var backend = DeconvHost.OpenBackend(r, weights, console);
        var result = Invariance.Run(backend, image.Input, transform, parameters, batch);
        string outDir = CommandRunner.EnsureFolder(r.GetValue(Out)!);
        var written = Write(outDir, result);
        foreach (var f in written) console.Result(f);
        console.JsonResult(new { transform = result.Transform.ToString().ToLowerInvariant(), original_class = result.OriginalClass, original_probability = result.OriginalProbability, files = written });
        return 0;
    }

    /// <param name="labelOf">Class names (default: ImageNet's).</param>
    /// <summary>--model FILE|vgg19: the same sweep on a user's CNN (translate range scaled from VGG16's 224-pixel default).</summary>
    private static int ExecuteOwnModel(ParseResult r, CliConsole console)
    {
        var transform = Invariance.ParseTransform(r.GetValue(Transform)!);
        int batch = r.GetValue(Batch);
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        string path = r.GetValue(Image)!;
        using var own = OwnModelDeconv.Open(r, path, console, new OwnModelSession.Needs(Batch: batch, Taps: ForwardMemory.Taps.OneLayer));
        if (own.Model.ClassCount is null) throw new DeconvException($"invariance needs class outputs: {own.Model.Name} outputs a {own.Model.Output} map");
        string rangeText = r.GetValue(Range) ?? (transform == InvarianceTransform.Translate ? own.ScaledTranslateRange() : Invariance.DefaultRange(transform));
        var parameters = Invariance.ParseRange(rangeText, transform);
        string early = r.GetValue(EarlyLayer) is { } e ? own.AnyLayer(e, "--early-layer") : own.DefaultEarlyLayer();
        string dense = r.GetValue(DenseLayer) is { } d ? own.AnyLayer(d, "--dense-layer") : own.DefaultDenseLayer();
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, null);
        var result = Invariance.Run(own.Backend.Forward, own.Image.Input, transform, parameters, early, dense, batch);
        string outDir = CommandRunner.EnsureFolder(r.GetValue(Out)!);
        var written = Write(outDir, result, own.LabelOf);
        foreach (var f in written) console.Result(f);
        console.JsonResult(new
        {
            transform = result.Transform.ToString().ToLowerInvariant(), early_layer = early, dense_layer = dense,
            original_class = result.OriginalClass, original_probability = result.OriginalProbability, files = written,
        });
        return 0;
    }

    public static IReadOnlyList<string> Write(string outDir, InvarianceResult result, Func<int, string>? labelOf = null)
    {
        string name = result.Transform.ToString().ToLowerInvariant();
        var csv = new StringBuilder($"{name},{Short(result.EarlyLayer)}_distance,{result.DenseLayer}_distance,probability_class_{result.OriginalClass}\n");
        foreach (var p in result.Points)
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{p.Parameter:R},{p.Block1Distance:R},{p.Fc2Distance:R},{p.Probability:R}\n"));
        var written = new List<string>();
        string csvPath = Path.Combine(outDir, $"invariance_{name}.csv");
        AtomicFile.WriteAllText(csvPath, csv.ToString());
        written.Add(csvPath);
        foreach (var (suffix, chart) in Charts(result, labelOf))
        {
            string svg = Path.Combine(outDir, $"invariance_{name}_{suffix}.svg"), png = Path.Combine(outDir, $"invariance_{name}_{suffix}.png");
            AtomicFile.WriteAllText(svg, chart.ToSvg());
            PngWriter.Write(png, chart.ToCanvas());
            written.Add(svg); written.Add(png);
        }
        return written;
    }

    /// <summary>VGG16's block1_pool keeps its historical short name "block1" in file names and the CSV.</summary>
    private static string Short(string layer) => layer == "block1_pool" ? "block1" : layer;

    /// <summary>The three Fig. 5 charts: layer 1 distance, layer 7 distance, probability of the original class.</summary>
    internal static IReadOnlyList<(string Suffix, LineChart Chart)> Charts(InvarianceResult result, Func<int, string>? labelOf = null)
    {
        string early = Short(result.EarlyLayer), dense = result.DenseLayer;
        string unit = result.Transform switch { InvarianceTransform.Translate => "shift (px)", InvarianceTransform.Scale => "scale", _ => "rotation (deg)" };
        var x = result.Points.Select(p => p.Parameter).ToArray();
        string label = labelOf is null ? ImageNetClasses.Get(result.OriginalClass).Label : labelOf(result.OriginalClass);
        return new (string, LineChart)[]
        {
            (early, new LineChart { Title = $"layer 1 ({early}) feature distance", XLabel = unit, YLabel = "distance", X = x, Y = result.Points.Select(p => p.Block1Distance).ToArray() }),
            (dense, new LineChart { Title = $"layer 7 ({dense}) feature distance", XLabel = unit, YLabel = "distance", X = x, Y = result.Points.Select(p => p.Fc2Distance).ToArray() }),
            ("prob", new LineChart { Title = $"p({label})", XLabel = unit, YLabel = "probability", X = x, Y = result.Points.Select(p => (double)p.Probability).ToArray() }),
        };
    }
}
