using System.CommandLine;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// engine-viz deconv IMAGE --layer L --channel K --mode max|map|guided [--top N] [--export-npy DIR] [--out DIR]:
/// projects one feature map down to pixels (Zeiler &amp; Fergus). Writes DIR/deconv_&lt;L&gt;_&lt;K&gt;_&lt;mode&gt;.npy float32
/// (1, H, W, 3) in the network's input space (BGR as fed), and pictures: the projection normalized (grey = 0), and a
/// panel input | projection | receptive-field crops.
/// </summary>
internal static class DeconvCommand
{
    public static readonly Argument<string> Image = new("IMAGE") { Description = "Image file (JPEG, PNG, WebP, BMP or GIF)" };
    public static readonly Option<string> Layer = new("--layer") { Description = "Layer to project from (block1_conv1 … block5_pool)", Required = true };
    public static readonly Option<int> Channel = new("--channel") { Description = "Feature map (channel) of that layer", Required = true };
    public static readonly Option<string> Mode = new("--mode") { Description = "max (strongest activation only) | map (whole map) | guided", DefaultValueFactory = _ => "max" };
    public static readonly Option<int?> Top = new("--top") { Description = "One projection for each of the N strongest positions" };
    public static readonly Option<string?> ExportNpy = new("--export-npy") { Description = "Folder for the .npy projection(s)" };
    public static readonly Option<string> Out = new("--out") { Description = "Folder for the pictures", DefaultValueFactory = _ => "deconv_viz" };

    public static Command Build()
    {
        var command = new Command("deconv", "Deconvnet projection of one feature map down to pixels (Zeiler & Fergus 2014)");
        command.Arguments.Add(Image);
        foreach (var o in new Option[] { Layer, Channel, Mode, Top, ExportNpy, Out, CommandRunner.Force }) command.Options.Add(o);
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
        var spec = ConvLayers.Find(layer);
        int channel = r.GetValue(Channel);
        if ((uint)channel >= (uint)spec.OutChannels)
            throw new DeconvException($"channel {channel} is out of range for {layer} (it has {spec.OutChannels} channels: 0 … {spec.OutChannels - 1})");
        var mode = ProjectionModes.Parse(r.GetValue(Mode)!);
        int? top = r.GetValue(Top);
        if (top is <= 0) throw new DeconvException($"--top must be at least 1 (got {top})");
        string path = r.GetValue(Image)!;
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, r.GetValue(ExportNpy));
        var (original, sizing) = DeconvHost.DecodeImage(r, path);
        using var weights = DeconvHost.LoadWeights(r, needTop: false, console);
        var image = DeconvHost.Prepare(path, original, sizing, weights.HasTop);
        // The forward keeps every layer (the descent needs the switches), then the projections: check the budget first.
        MemoryBudget.Check(r, ForwardMemory.Of(1, image.Input.Shape[1], image.Input.Shape[2], weights.HasTop, ForwardMemory.Taps.All,
            extraBytes: (top ?? 1) * 4L * 3 * image.Input.Shape[1] * image.Input.Shape[2] * 2), "deconv");
        using var backend = DeconvHost.OpenBackend(r, weights, console);
        using var handle = DeconvHost.CreateProjector(backend, console);
        var projector = handle.Projector;
        var (projections, forwardMs, projectMs) = RecordAndProject(console, top,
            () => Projector.Record(backend, image.Input, layer),
            (tap, n) => projector.ProjectTop(tap, layer, channel, n, mode),
            tap => projector.Project(tap, layer, channel, mode));
        return WriteOutputs(r, console, layer, channel, mode, top, projections, ProjectionPicture.Input(image.Input),
            p => ProjectionPicture.Normalized(p), forwardMs, projectMs);
    }

    /// <summary>--model FILE|vgg19: the same projections on a user's CNN (its Keras layer names, its input space).</summary>
    private static int ExecuteOwnModel(ParseResult r, CliConsole console)
    {
        string layer = r.GetValue(Layer)!;
        int channel = r.GetValue(Channel);
        var mode = ProjectionModes.Parse(r.GetValue(Mode)!);
        int? top = r.GetValue(Top);
        if (top is <= 0) throw new DeconvException($"--top must be at least 1 (got {top})");
        string path = r.GetValue(Image)!;
        using var own = OwnModelDeconv.Open(r, path, console);
        CnnProjector.CheckChannel(own.MapLayer(layer), channel);
        using var outputs = CommandRunner.PrepareOutputs(r, r.GetValue(Out)!, r.GetValue(ExportNpy));
        var projector = new CnnProjector(own.Model);
        var (projections, forwardMs, projectMs) = RecordAndProject(console, top,
            () => projector.Record(own.Backend, own.Image.Input, layer),
            (tap, n) => projector.ProjectTop(tap, layer, channel, n, mode),
            tap => projector.Project(tap, layer, channel, mode));
        return WriteOutputs(r, console, layer, channel, mode, top, projections, own.InputPicture(), p => own.Picture(p), forwardMs, projectMs);
    }

    /// <summary>
    /// The forward that records the taps, then the projections (the top <paramref name="top"/> or the single one), each
    /// timed; says both times.
    /// </summary>
    private static (IReadOnlyList<Projection> Projections, double ForwardMs, double ProjectMs) RecordAndProject<TTap>(CliConsole console,
        int? top, Func<TTap> record, Func<TTap, int, IReadOnlyList<Projection>> projectTop, Func<TTap, Projection> project)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var tap = record();
        double forwardMs = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        var projections = top is int n ? projectTop(tap, n) : new[] { project(tap) };
        double projectMs = watch.Elapsed.TotalMilliseconds;
        console.Info($"forward {forwardMs:F0} ms, {projections.Count} projection(s) {projectMs:F0} ms");
        return (projections, forwardMs, projectMs);
    }

    /// <summary>The .npy (all projections stacked), one picture per projection, the panel, and the summary.</summary>
    private static int WriteOutputs(ParseResult r, CliConsole console, string layer, int channel, ProjectionMode mode, int? top,
        IReadOnlyList<Projection> projections, RgbCanvas input, Func<CnnEngine.Tensors.Tensor, RgbCanvas> pictureOf, double forwardMs, double projectMs)
    {
        string stem = $"deconv_{layer}_{channel}_{(top is int t ? $"top{t}" : mode.Name())}";
        var written = new List<string>();
        if (r.GetValue(ExportNpy) is string npyDir)
        {
            CommandRunner.EnsureFolder(npyDir);
            string npyPath = Path.Combine(npyDir, stem + ".npy");
            var stacked = Stack(projections);
            NpyWriter.Write(npyPath, stacked);
            written.Add(npyPath);
        }
        string outDir = CommandRunner.EnsureFolder(r.GetValue(Out)!);
        var tiles = new List<RgbCanvas> { ProjectionPicture.Captioned(input, "input") };
        for (int i = 0; i < projections.Count; i++)
        {
            var p = projections[i];
            var picture = pictureOf(p.Pixels);
            string name = projections.Count == 1 ? stem + ".png" : $"{stem}_{i + 1}.png";
            PngWriter.Write(Path.Combine(outDir, name), picture);
            written.Add(Path.Combine(outDir, name));
            string caption = p.Y >= 0 ? $"{p.Mode.Name()} ({p.Y},{p.X}) {p.Value:G3}" : $"map sum {p.Value:G3}";
            tiles.Add(ProjectionPicture.Captioned(picture, caption));
        }
        string panel = Path.Combine(outDir, stem + "_panel.png");
        PngWriter.Write(panel, ProjectionPicture.Row(tiles));
        written.Add(panel);
        foreach (var w in written) console.Result(w);
        console.JsonResult(new
        {
            layer, channel, mode = top is null ? mode.Name() : $"top{top}", forward_ms = forwardMs, projection_ms = projectMs,
            positions = projections.Select(p => new { y = p.Y, x = p.X, value = p.Value }).ToArray(), files = written,
        });
        return 0;
    }

    /// <summary>Projections (1, H, W, C) each → (N, H, W, C).</summary>
    private static CnnEngine.Tensors.Tensor Stack(IReadOnlyList<Projection> projections)
    {
        var first = projections[0].Pixels;
        if (projections.Count == 1) return first;
        int per = first.Data.Length;
        var all = new float[per * projections.Count];
        for (int i = 0; i < projections.Count; i++) projections[i].Pixels.Data.CopyTo(all, i * per);
        return new CnnEngine.Tensors.Tensor(all, projections.Count, first.Shape[1], first.Shape[2], first.Shape[3]);
    }
}
