using System.CommandLine;
using System.Diagnostics;
using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// The default run: engine-viz IMAGE. One forward pass with every layer tapped, then
/// --export-npy (every layer as Keras would return it, every pool's switches), the top-5 when the weights have the
/// top, and the visualizer's pictures and report.
/// </summary>
public static class RunCommand
{
    public static readonly Argument<string?> Image = new("image")
    {
        Description = "Image to run (JPEG, PNG, WebP, BMP or GIF)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static readonly Option<string?> ExportNpy = new("--export-npy")
    {
        Description = "Write DIR/<layer>.npy (float32 (1, H, W, C)) for every layer and DIR/<pool>_switches.npy (int32)",
    };

    public static readonly Option<bool> ListDevices = new("--list-devices") { Description = "List every device and its backend, then exit" };

    public static readonly Option<bool> NoViz = new("--no-viz") { Description = "Skip the pictures and the report (forward, --export-npy and top-5 only)" };

    public static void Configure(RootCommand root)
    {
        root.Arguments.Add(Image);
        CommonOptions.AddTo(root);
        root.Options.Add(ExportNpy);
        root.Options.Add(ListDevices);
        root.Options.Add(NoViz);
        ModelOptions.AddTo(root);
        VisualizeOptions.AddTo(root);
        CnnEngine.Viz.Deconv.DeconvReport.AddOptions(root);
        root.SetAction(Execute);
    }

    /// <summary>
    /// Refuses a non-empty output folder before any work, so a long run never ends in that error, then locks it
    /// against a concurrent run (both unless --force).
    /// </summary>
    private static OutputLock CheckOutputDirectory(string directory, bool force)
    {
        if (File.Exists(directory)) throw new CliException($"{directory} exists and is a file, not a folder");
        if (!force && OutputLock.HasContent(directory))
            throw new CliException($"{directory} is not empty (use --force to replace it, or --out DIR)");
        return OutputLock.Acquire(directory, force);
    }

    /// <summary>--export-npy into a folder that already holds files would mix two runs' arrays: refused unless --force.</summary>
    private static void CheckNpyDirectory(string directory, bool force)
    {
        if (File.Exists(directory)) throw new CliException($"--export-npy {directory} exists and is a file, not a folder");
        if (!force && OutputLock.HasContent(directory))
            throw new CliException($"--export-npy folder {directory} is not empty (use --force to write into it anyway)");
    }

    private static int Execute(ParseResult parse)
    {
        var console = new CliConsole(parse.GetValue(CommonOptions.Quiet), parse.GetValue(CommonOptions.Json));
        if (parse.GetValue(ListDevices)) return DeviceList.Print(console);
        if (ModelOptions.IsOwnModel(parse)) return OwnModelRun.Execute(parse, console);

        string imagePath = parse.GetValue(Image) ?? throw new CliException("no image given (usage: engine-viz IMAGE [options]; see --help)", 2);
        if (imagePath.StartsWith('-')) throw new CliException($"unknown option {imagePath} (see engine-viz --help)", 2);
        string? npyDir = parse.GetValue(ExportNpy);
        bool noViz = parse.GetValue(NoViz);
        // Options and the image are checked first: a typo or a bad file fails before seconds of weight loading.
        var vizOptions = noViz ? null : VisualizeOptions.Bind(parse);
        var wall = Stopwatch.StartNew();
        var sizing = ImageInput.Sizing.FromParse(parse);
        var original = ImageInput.Decode(imagePath);
        if (npyDir is not null) CheckNpyDirectory(npyDir, parse.GetValue(VisualizeOptions.ForceOption));
        using var outputLock = vizOptions is null ? null
            : CheckOutputDirectory(vizOptions.OutputDirectory ?? VisualizeRun.DefaultOutputDirectory(imagePath), vizOptions.Force);

        // The random fallback gets the top (so a first run shows the top-5 too), unless the input keeps its own size.
        using var weights = WeightsLoading.Load(parse.GetValue(CommonOptions.Weights), parse.GetValue(CommonOptions.NoDownload),
            allowRandomFallback: true, console, fallbackWithTop: !sizing.Native);
        var image = ImageInput.Prepare(imagePath, original, sizing, weights.HasTop);
        vizOptions?.CheckPicture(image.Resized.Width, image.Resized.Height);
        // Every layer is kept (pictures, --export-npy): refuse an input that would not fit before allocating any of it.
        MemoryBudget.Check(parse, ForwardMemory.Of(1, image.Input.Shape[1], image.Input.Shape[2], weights.HasTop, ForwardMemory.Taps.All,
            pictures: vizOptions is not null), "this image");
        // Said only once the inputs are known good, so a bad input gets exactly one line on stderr.
        console.Info($"weights: {weights.Source} ({(weights.HasTop ? "with top" : "no top")})");

        using var backend = BackendFactory.Open(parse, weights, console);
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");

        var tap = new RecordingTap();
        var forwardClock = Stopwatch.StartNew();
        Tensor output = backend.Forward(image.Input, tap);
        forwardClock.Stop();
        console.Info($"forward: {forwardClock.Elapsed.TotalMilliseconds:F0} ms");

        IReadOnlyList<ImageNetClasses.Prediction>? top5 = weights.HasTop ? ImageNetClasses.TopK(output.Data.AsSpan(0, Vgg16Architecture.ClassCount)) : null;
        var written = new List<string>();
        // The report links the .npy files by their (known) names; they are written after the pictures, so
        // --export-npy may point inside the --out folder, which the visualizer builds and renames as a whole.
        IReadOnlyList<string>? npyFiles = npyDir is null ? null : NpyExport.FileNames(npyDir, weights.Layers);

        if (top5 is not null)
        {
            if (weights.IsRandom) console.Result("(random weights: these classes mean nothing)");
            for (int i = 0; i < top5.Count; i++)
                console.Result($"{i + 1}. {top5[i].Label} ({top5[i].Index})  {top5[i].Probability * 100:F2}%");
        }
        else
        {
            console.Info("no top in these weights: no class predictions");
        }

        if (vizOptions is not null)
        {
            var inputs = new VisualizeInputs(imagePath,
                new InputPicture(image.Resized.Width, image.Resized.Height, image.Resized.Pixels),
                tap.Activations, tap.Switches,
                top5?.Select(p => new ClassScore(p.Index, p.Label, p.Probability)).ToArray(),
                weights.Source, weights.IsRandom, backend.DeviceName, npyFiles,
                ExtraSections: CnnEngine.Viz.Deconv.DeconvReport.SectionsFor(parse, backend, image.Input, console.Warn));
            // Bars on a terminal; in a log or pipe, one line per finished stage (redrawn bars never show their end there).
            IVizProgress progress = console.Quiet || console.Json ? SilentVizProgress.Instance
                : System.Console.IsErrorRedirected ? new LineVizProgress(System.Console.Error) : new SpectreVizProgress();
            var result = VisualizeRun.Run(vizOptions, inputs, progress);
            written.AddRange(result.Files.Select(f => Path.Combine(result.OutputDirectory, f.RelativePath)));
            // The summary (what was written, where) is a result: stdout. Progress and diagnostics stay on stderr.
            console.Result($"wrote {result.OutputDirectory} ({result.Files.Count} files, {result.Elapsed.TotalMilliseconds:F0} ms): " +
                           $"open {Path.Combine(result.OutputDirectory, VisualizeRun.ReportFile)}");
            if (vizOptions.SingleFile)
                console.Result($"single-file report: {Path.Combine(result.OutputDirectory, VisualizeRun.SingleFileName(imagePath))}");
        }

        if (npyDir is not null) written.AddRange(NpyExport.Write(npyDir, weights.Layers, tap, console));

        console.JsonResult(new
        {
            image = imagePath,
            device = backend.DeviceId,
            weights = weights.Source,
            random_weights = weights.IsRandom,
            forward_ms = forwardClock.Elapsed.TotalMilliseconds,
            wall_ms = wall.Elapsed.TotalMilliseconds,
            top5 = top5?.Select(p => new { index = p.Index, label = p.Label, probability = p.Probability }),
            files = written,
        });
        return 0;
    }
}
