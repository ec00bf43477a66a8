using System.CommandLine;
using System.Diagnostics;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// The default run on --model FILE|vgg19: the model opened by <see cref="OwnModelSession"/> (read from its Keras file
/// with no Python, the photo loaded as keras.utils.load_img(color_mode, target_size) would, the backend --device
/// names), one forward pass with every layer tapped, then the top-k (--labels), --export-npy (every layer in Keras
/// layout, every max pool's switches), the pictures and report (--zoom X,Y inside the model's input), and the
/// --deconv / --occlusion / --invariance sections (<see cref="CnnEngine.Viz.Deconv.OwnModelReport"/>, in the report).
/// </summary>
public static class OwnModelRun
{
    public static int Execute(ParseResult parse, CliConsole console)
    {
        string imagePath = parse.GetValue(RunCommand.Image) ?? throw new CliException("no image given (usage: engine-viz IMAGE --model FILE [options]; see --help)", 2);
        if (imagePath.StartsWith('-')) throw new CliException($"unknown option {imagePath} (see engine-viz --help)", 2);
        string? npyDir = parse.GetValue(RunCommand.ExportNpy);
        bool noViz = parse.GetValue(RunCommand.NoViz);
        int topK = parse.GetValue(ModelOptions.TopK);
        if (topK < 1) throw new CliException($"--top {topK} must be at least 1", 2);
        var vizOptions = noViz ? null : VisualizeOptions.Create(
            parse.GetValue(VisualizeOptions.Out), parse.GetValue(VisualizeOptions.ForceOption), parse.GetValue(VisualizeOptions.ColormapOption),
            parse.GetValue(VisualizeOptions.SharedScaleOption), layers: null, channels: null, parse.GetValue(VisualizeOptions.WithPoolsOption),
            parse.GetValue(VisualizeOptions.FrameDelayOption), parse.GetValue(VisualizeOptions.ZoomOption)) with
        {
            Channels = parse.GetValue(VisualizeOptions.ChannelsOption) is { } ch ? ChannelRange.Parse(ch) : null,
        };
        void CheckZoom(CnnModel model)
        {
            if (vizOptions?.Zoom is not { } zoom) return;
            vizOptions.CheckPicture(model.Input.Width, model.Input.Height);
            if (CnnEngine.Viz.Animation.ReceptiveField.SquareConvFields(model) is null)
                throw new CliException($"--zoom {zoom.X},{zoom.Y}: {model.Name} has no zoom (it needs a square input and conv receptive fields that are the same on both axes)", 2);
        }
        string[]? layerFilter = parse.GetValue(VisualizeOptions.LayersOption)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var wall = Stopwatch.StartNew();
        using var session = OwnModelSession.Open(parse, imagePath, console, new OwnModelSession.Needs(Pictures: vizOptions is not null, AfterDecode: () =>
        {
            if (vizOptions is null) return;
            string dir = vizOptions.OutputDirectory ?? VisualizeRun.DefaultOutputDirectory(imagePath);
            if (File.Exists(dir)) throw new CliException($"{dir} exists and is a file, not a folder");
            if (!vizOptions.Force && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new CliException($"{dir} is not empty (use --force to replace it, or --out DIR)");
        }, Check: CheckZoom));
        var (model, backend, image) = (session.Model, session.Backend, session.Image!);
        var convFields = CnnEngine.Viz.Animation.ReceptiveField.SquareConvFields(model);
        string[]? labels = session.Labels;

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
            IVizProgress progress = console.Quiet || console.Json ? SilentVizProgress.Instance : new SpectreVizProgress();
            // The OwnModelDeconv view borrows the session (disposed with it, above).
            var sections = CnnEngine.Viz.Deconv.OwnModelReport.SectionsFor(parse, new CnnEngine.Viz.Deconv.OwnModelDeconv(session), console.Warn);
            var inputs = new ModelVisualizeInputs(imagePath,
                new InputPicture(image.Resized.Width, image.Resized.Height, image.Resized.Pixels),
                specs.Select(s => (s, tap.Activations[s.Name])).ToArray(), top, model.Source, backend.DeviceName, npyFiles, layerFilter,
                convFields, sections);
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
}
