using System.Collections.Concurrent;
using System.Diagnostics;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;
using CnnEngine.Viz.Report;

namespace CnnEngine.Viz.Visualize;

/// <summary>
/// The default run's pictures: input.png, layers/NN.&lt;layer&gt;_&lt;first&gt;-&lt;last&gt;.png for the chosen conv and pool
/// layers, journey.gif, zoom.gif and index.html. Everything is written into a temporary folder beside the output
/// folder and renamed into place at the end, so an error leaves nothing half-written. Pictures are encoded in parallel.
/// Bad options or inputs are a <see cref="CliException"/> (one line for the user).
/// </summary>
public static class VisualizeRun
{
    public const string LayersFolder = "layers";
    public const string InputFile = "input.png";
    public const string JourneyFile = "journey.gif";
    public const string ZoomFile = "zoom.gif";
    public const string ReportFile = "index.html";

    /// <summary>The --single-file report's name, e.g. "bear_report.html".</summary>
    public static string SingleFileName(string imagePath) => Path.GetFileNameWithoutExtension(imagePath) + "_report.html";

    /// <summary>The default output folder: "&lt;image name&gt;_viz" in the current directory.</summary>
    public static string DefaultOutputDirectory(string imagePath) =>
        Path.Combine(Directory.GetCurrentDirectory(), Path.GetFileNameWithoutExtension(imagePath) + "_viz");

    /// <summary>A layer grid's file name, e.g. "00.block1_conv1_0-64.png".</summary>
    public static string GridFileName(int ordinal, string layer, ChannelRange range) => $"{ordinal:00}.{layer}_{range.First}-{range.Last}.png";

    public static VisualizeResult Run(VisualizeOptions options, VisualizeInputs inputs, IVizProgress progress)
    {
        var clock = Stopwatch.StartNew();
        ValidateInputs(options, inputs);
        string output = options.OutputDirectory ?? DefaultOutputDirectory(inputs.ImagePath);
        using var folder = new AtomicDirectory(output, options.Force);
        var files = new ConcurrentBag<WrittenFile>();
        (int X, int Y) zoomTarget = default;

        try
        {
            progress.Run(scope =>
            {
                Directory.CreateDirectory(folder.File(LayersFolder));
                var input = new RgbCanvas(inputs.Picture.Width, inputs.Picture.Height, inputs.Picture.Rgb);
                var convBase = Vgg16Architecture.ConvBase;
                var stats = new LayerStats[convBase.Count];
                var gridFiles = new string?[convBase.Count];
                var gridRanges = new string?[convBase.Count];
                string zoomDescription = "";

                var gridStep = scope.Start("layer grids", options.Layers.Count);
                var journeyStep = scope.Start("journey.gif", 1);
                var zoomStep = scope.Start("zoom.gif", 1);

                Parallel.Invoke(
                    () =>
                    {
                        Write(folder, InputFile, "input", PngWriter.Encode(input.Pixels, input.Width, input.Height, 3), files);
                        Parallel.For(0, convBase.Count, i => stats[i] = LayerStats.Of(inputs.Activations[convBase[i].Name]));
                    },
                    () =>
                    {
                        Parallel.For(0, convBase.Count, i =>
                        {
                            var layer = convBase[i];
                            if (!options.Layers.Contains(layer.Name)) return;
                            Tensor activation = inputs.Activations[layer.Name];
                            var range = (options.Channels ?? new ChannelRange(0, activation.Shape[3])).ClampTo(activation.Shape[3]);
                            var canvas = LayerGridRenderer.Render(new LayerGridRequest(i, layer.Name, activation, range.First, range.Last,
                                options.Colormap, options.SharedScale, inputs.RandomWeights));
                            string relative = $"{LayersFolder}/{GridFileName(i, layer.Name, range)}";
                            Write(folder, relative, "layer-grid", PngWriter.Encode(canvas.Pixels, canvas.Width, canvas.Height, 3), files);
                            gridFiles[i] = relative;
                            gridRanges[i] = range.ToString();
                            gridStep.Advance();
                        });
                        gridStep.Done();
                    },
                    () =>
                    {
                        var layers = convBase.Where(l => l.IsConv || (options.WithPools && l.IsPool))
                            .Select(l => (l, inputs.Activations[l.Name])).ToArray();
                        var frames = JourneyAnimation.BuildFrames(new JourneyRequest(input, layers, options.Colormap,
                            options.SharedScale, inputs.RandomWeights, options.FrameDelayMs));
                        Write(folder, JourneyFile, "journey", GifWriter.Encode(frames), files);
                        journeyStep.Done();
                    },
                    () =>
                    {
                        var layers = convBase.Where(l => l.IsConv).Select(l => (l, inputs.Activations[l.Name])).ToArray();
                        var request = new ZoomRequest(input, layers, options.Colormap, options.SharedScale, inputs.RandomWeights,
                            options.Zoom is { } z ? (z.X, z.Y) : null);
                        var plan = ZoomAnimation.Plan(request);
                        zoomTarget = ((int)Math.Round(plan.Target.X), (int)Math.Round(plan.Target.Y));
                        zoomDescription = options.Zoom is null
                            ? $"The zoom: toward ({zoomTarget.X}, {zoomTarget.Y}), the center of the {plan.TargetField.Size}-pixel receptive field " +
                              $"(outlined) of the strongest {plan.TargetLayer} activation, crossfading into each conv layer's most active channel there."
                            : $"The zoom: toward ({zoomTarget.X}, {zoomTarget.Y}) (--zoom), crossfading into each conv layer's most active channel there.";
                        Write(folder, ZoomFile, "zoom", GifWriter.Encode(ZoomAnimation.BuildFrames(request, plan)), files);
                        zoomStep.Done();
                    });

                var reportStep = scope.Start("index.html", 1);
                var sections = inputs.ExtraSections ?? Array.Empty<ReportSection>();
                foreach (var asset in sections.SelectMany(s => s.Assets ?? Array.Empty<ReportAsset>()))
                    Write(folder, asset.RelativePath, "asset", asset.Bytes, files);
                var model = new ReportModel(
                    Path.GetFileName(inputs.ImagePath), InputFile, input.Width, input.Height,
                    inputs.Top5?.Select(c => new ReportClass(c.ClassIndex, c.Label, c.Probability)).ToArray(),
                    convBase.Select((l, i) => new ReportLayer(i, l.Name, inputs.Activations[l.Name].Shape, stats[i], gridFiles[i], gridRanges[i])).ToArray(),
                    JourneyFile, ZoomFile, zoomDescription,
                    NpyLinks(inputs.NpyExports, folder.FinalPath),
                    inputs.RandomWeights, inputs.WeightsDescription, inputs.DeviceName, options.Colormap.Name, options.SharedScale,
                    sections);
                string html = HtmlReport.Build(model);
                Write(folder, ReportFile, "report", new System.Text.UTF8Encoding(false).GetBytes(html), files);
                reportStep.Done();
                if (options.SingleFile)
                {
                    var singleStep = scope.Start(SingleFileName(inputs.ImagePath), 1);
                    string inlined = SingleFileReport.Inline(html, relative => File.ReadAllBytes(folder.File(relative)));
                    Write(folder, SingleFileName(inputs.ImagePath), "report-single-file", new System.Text.UTF8Encoding(false).GetBytes(inlined), files);
                    singleStep.Done();
                }
                return 0;
            });
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.Count > 0)
        {
            var first = e.Flatten().InnerExceptions[0];
            throw first is CliException ? first : Translate(first, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, output);
        }

        folder.Commit();
        var ordered = files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToArray();
        return new VisualizeResult(folder.FinalPath, ordered, zoomTarget, clock.Elapsed);
    }

    private static Exception Translate(Exception e, string output) => e switch
    {
        IOException or UnauthorizedAccessException => new CliException($"cannot write {output}: {e.Message}"),
        _ => e,
    };

    private static void Write(AtomicDirectory folder, string relative, string kind, byte[] bytes, ConcurrentBag<WrittenFile> files)
    {
        string normalized = relative.Replace('\\', '/');
        if (Path.IsPathRooted(normalized) || normalized.Split('/').Any(p => p is ".." or "" or "."))
            throw new ArgumentException($"report asset path must be relative and inside the output folder: {relative}");
        string path = folder.File(normalized);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, bytes);
        files.Add(new WrittenFile(normalized, kind, bytes.LongLength));
    }

    private static IReadOnlyList<string> NpyLinks(IReadOnlyList<string>? exports, string finalFolder)
    {
        if (exports is null) return Array.Empty<string>();
        return exports.Select(p => Path.IsPathRooted(p) ? Path.GetRelativePath(finalFolder, p) : p)
            .Select(p => p.Replace('\\', '/')).ToArray();
    }

    /// <summary>Checks that every conv-base activation is present and well-shaped, and that --zoom is inside the picture.</summary>
    public static void ValidateInputs(VisualizeOptions options, VisualizeInputs inputs)
    {
        try { inputs.Picture.Validate(); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (!inputs.Activations.TryGetValue(layer.Name, out var t))
                throw new CliException($"no activation recorded for {layer.Name}: the visualizer needs all 18 conv and pool layers");
            if (t.Rank != 4 || t.Shape[0] != 1 || t.Shape[3] != layer.OutChannels || t.Shape[1] < 1 || t.Shape[2] < 1)
                throw new CliException($"{layer.Name} activation has shape {ShapeMath.Format(t.Shape)}, expected (1, H, W, {layer.OutChannels})");
        }
        options.CheckPicture(inputs.Picture.Width, inputs.Picture.Height);
    }
}
