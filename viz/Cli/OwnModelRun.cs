using System.CommandLine;
using System.Diagnostics;
using CnnEngine.Backends.Model;
using CnnEngine.Imaging;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Weights;
using CnnEngine.Weights.KerasModel;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// The default run on --model FILE|vgg19: the model read from its Keras file (no Python), the photo loaded as
/// keras.utils.load_img(color_mode, target_size) would, one forward pass on --device (the CPU engine, or the general
/// kernels of kernels/Ops on a GPU or ilgpu-cpu) with every layer tapped, then the top-k (--labels), --export-npy (every layer in Keras layout, every max pool's switches) and the pictures and report.
/// </summary>
public static class OwnModelRun
{
    public static int Execute(ParseResult parse, CliConsole console)
    {
        string imagePath = parse.GetValue(RunCommand.Image) ?? throw new CliException("no image given (usage: engine-viz IMAGE --model FILE [options]; see --help)", 2);
        if (imagePath.StartsWith('-')) throw new CliException($"unknown option {imagePath} (see engine-viz --help)", 2);
        string modelArg = parse.GetValue(ModelOptions.Model)!;
        string? npyDir = parse.GetValue(RunCommand.ExportNpy);
        bool noViz = parse.GetValue(RunCommand.NoViz);
        string device = parse.GetValue(CommonOptions.Device) ?? "auto";
        if (parse.GetResult(CommonOptions.Weights) is not null && !IsVgg19(modelArg))
            throw new CliException("--weights applies to vgg16 / vgg19; your model file holds its own weights", 2);
        if (parse.GetValue(CommonOptions.Size) == "native")
            throw new CliException("--size native: your model's input size comes from its config", 2);
        foreach (var deconvOption in new[] { "--deconv", "--occlusion", "--invariance" })
            if (parse.RootCommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Any(o => o.Option.Name == deconvOption && !o.Implicit))
                throw new CliException($"{deconvOption} is not available for your own models yet (VGG16 only)", 2);
        var resize = (parse.GetValue(CommonOptions.Resize) ?? "nearest") switch
        {
            "nearest" => ResizeMode.Nearest,
            "bilinear" => ResizeMode.Bilinear,
            var r => throw new CliException($"--resize must be nearest or bilinear, not '{r}'", 2),
        };
        var preprocessOption = ModelOptions.ParsePreprocess(parse.GetValue(ModelOptions.Preprocess));
        int topK = parse.GetValue(ModelOptions.TopK);
        if (topK < 1) throw new CliException($"--top {topK} must be at least 1", 2);
        var vizOptions = noViz ? null : VisualizeOptions.Create(
            parse.GetValue(VisualizeOptions.Out), parse.GetValue(VisualizeOptions.ForceOption), parse.GetValue(VisualizeOptions.ColormapOption),
            parse.GetValue(VisualizeOptions.SharedScaleOption), layers: null, channels: null, parse.GetValue(VisualizeOptions.WithPoolsOption),
            parse.GetValue(VisualizeOptions.FrameDelayOption), zoom: null) with
        {
            Channels = parse.GetValue(VisualizeOptions.ChannelsOption) is { } ch ? ChannelRange.Parse(ch) : null,
        };
        if (parse.GetValue(VisualizeOptions.ZoomOption) is not null) throw new CliException("--zoom is VGG16-only for now", 2);
        string[]? layerFilter = parse.GetValue(VisualizeOptions.LayersOption)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var wall = Stopwatch.StartNew();
        var original = ImageInput.Decode(imagePath);
        if (vizOptions is not null)
        {
            string dir = vizOptions.OutputDirectory ?? VisualizeRun.DefaultOutputDirectory(imagePath);
            if (File.Exists(dir)) throw new CliException($"{dir} exists and is a file, not a folder");
            if (!vizOptions.Force && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new CliException($"{dir} is not empty (use --force to replace it, or --out DIR)");
        }

        var model = Load(modelArg, parse, console);
        var preprocess = IsVgg19(modelArg) ? InputPreprocess.Vgg
            : model.HasOwnPreprocessing ? InputPreprocess.None : preprocessOption ?? InputPreprocess.None;
        if (model.HasOwnPreprocessing && preprocessOption is not null and not InputPreprocess.None)
            console.Warn($"warning: {model.Name} scales its input itself (Rescaling layer): --preprocess is ignored, raw 0-255 pixels are fed");
        var image = ModelInput.Prepare(original, model.Input.Height, model.Input.Width, model.Input.Channels, resize, preprocess);
        string[]? labels = model.ClassCount is int k
            ? (parse.GetValue(ModelOptions.Labels) is { } lp ? LabelsFile.Load(lp, k) : LabelsFile.Default(k)) : null;
        console.Info($"model: {model.Source}: {model.Layers.Count} layers, input {model.Input}, {model.Flops() / 1e6:F1} MFLOP");

        using var backend = BackendFactory.OpenCnn(device, model, console);
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
        var tap = new RecordingTap();
        var clock = Stopwatch.StartNew();
        var output = backend.Forward(image.Input, tap);
        console.Info($"forward: {clock.Elapsed.TotalMilliseconds:F1} ms");

        IReadOnlyList<ClassScore>? top = null;
        if (labels is not null)
        {
            var scores = output.Data;
            top = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(topK)
                .Select(i => new ClassScore(i, labels[i], scores[i])).ToArray();
            bool probabilities = model.EndsWithSoftmax;
            for (int i = 0; i < top.Count; i++)
                console.Result(probabilities
                    ? $"{i + 1}. {top[i].Label} ({top[i].ClassIndex})  {top[i].Probability * 100:F2}%"
                    : $"{i + 1}. {top[i].Label} ({top[i].ClassIndex})  {top[i].Probability:G6}");
        }
        else console.Info($"the model's output is a {model.Output} feature map: no class predictions");

        var specs = model.Layers.Select(l => l.Spec).ToArray();
        IReadOnlyList<string>? npyFiles = npyDir is null ? null : NpyExport.FileNames(npyDir, specs);
        var written = new List<string>();
        if (vizOptions is not null)
        {
            var inputs = new ModelVisualizeInputs(imagePath,
                new InputPicture(image.Resized.Width, image.Resized.Height, image.Resized.Pixels),
                specs.Select(s => (s, tap.Activations[s.Name])).ToArray(), top, model.Source, backend.DeviceName, npyFiles, layerFilter,
                SquareConvFields(model));
            IVizProgress progress = console.Quiet || console.Json ? SilentVizProgress.Instance : new SpectreVizProgress();
            var result = ModelVisualizeRun.Run(vizOptions, inputs, progress);
            written.AddRange(result.Files.Select(f => Path.Combine(result.OutputDirectory, f.RelativePath)));
            console.Info($"wrote {result.OutputDirectory} ({result.Files.Count} files, {result.Elapsed.TotalMilliseconds:F0} ms)");
        }
        if (npyDir is not null) written.AddRange(NpyExport.Write(npyDir, specs, tap, console));

        console.JsonResult(new
        {
            image = imagePath,
            model = model.Source,
            device = backend.DeviceId,
            forward_ms = clock.Elapsed.TotalMilliseconds,
            wall_ms = wall.Elapsed.TotalMilliseconds,
            top = top?.Select(p => new { index = p.ClassIndex, label = p.Label, score = p.Probability }),
            files = written,
        });
        return 0;
    }

    /// <summary>
    /// The conv layers' receptive fields from the real kernel / stride / padding chain, for the zoom — null unless they
    /// are the same on both axes (the zoom draws square fields) and the input is square.
    /// </summary>
    private static IReadOnlyDictionary<string, CnnEngine.Viz.Animation.ReceptiveField>? SquareConvFields(CnnModel model)
    {
        if (model.Input.Height != model.Input.Width) return null;
        var fields = ReceptiveFields.Of(model);
        var result = new Dictionary<string, CnnEngine.Viz.Animation.ReceptiveField>();
        foreach (var conv in model.Layers.OfType<ConvLayer>())
        {
            var f = fields[conv.Name];
            if (f.X != f.Y) return null;
            result[conv.Name] = new CnnEngine.Viz.Animation.ReceptiveField(f.X.Size, f.X.Jump, f.X.Start);
        }
        return result.Count > 0 ? result : null;
    }

    private static bool IsVgg19(string model) => string.Equals(model, "vgg19", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model file (or VGG19 found like VGG16: --weights, Keras's cache, our cache, download).</summary>
    public static CnnModel Load(string modelArg, ParseResult parse, CliConsole console)
    {
        if (IsVgg19(modelArg))
        {
            string? explicitPath = parse.GetValue(CommonOptions.Weights);
            string path;
            if (explicitPath is not null) path = WeightsResolver.Resolve(new WeightsQuery { ExplicitPath = explicitPath }).Path;
            else
            {
                bool noDownload = parse.GetValue(CommonOptions.NoDownload);
                var cached = KerasApplicationFiles.Vgg19Query(includeTop: false, allowDownload: false);
                try { path = WeightsResolver.Resolve(cached).Path; }
                catch (WeightsNotFoundException) when (!noDownload)
                {
                    console.Info("no VGG19 weights cached: downloading them the way Keras does (use --no-download to skip)");
                    path = WeightsResolver.Resolve(KerasApplicationFiles.Vgg19Query(includeTop: true, allowDownload: true)).Path;
                }
                catch (WeightsNotFoundException)
                {
                    throw new CliException($"no VGG19 weights found in {cached.KerasCacheDir} or {cached.OwnCacheDir} and downloading is off: " +
                        $"put {KerasApplicationFiles.Vgg19Top.FileName} (or {KerasApplicationFiles.Vgg19NoTop.FileName}) there, or pass --weights FILE");
                }
            }
            using var store = WeightStore.Open(path);
            return KerasApplicationsModels.Build("vgg19", store);
        }
        using var file = KerasModelFile.Open(modelArg, parse.GetValue(ModelOptions.Config));
        var model = KerasModelBuilder.Build(file);
        foreach (var skipped in model.Skipped) console.Info($"  {skipped}: folded or identity at inference");
        return model;
    }
}
