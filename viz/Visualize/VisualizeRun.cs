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
/// The default run's pictures, for VGG16 or any network described by a <see cref="VisualizeNetwork"/>: input.png,
/// layers/NN.&lt;layer&gt;_&lt;first&gt;-&lt;last&gt;.png for the chosen feature-map layers, journey.gif (conv layers, and pools
/// with --with-pools), zoom.gif (conv layers with a receptive field) and index.html. Everything is written into a temporary folder beside the output
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

    /// <summary>VGG16's default run: its 18 conv and pool layers, grids for --layers, zoom over VGG16's receptive fields.</summary>
    public static VisualizeResult Run(VisualizeOptions options, VisualizeInputs inputs, IVizProgress progress)
    {
        ValidateInputs(options, inputs);
        var convBase = Vgg16Architecture.ConvBase;
        var network = new VisualizeNetwork(inputs.ImagePath, inputs.Picture,
            convBase.Select(l => (l, inputs.Activations[l.Name])).ToArray(), options.Layers.ToHashSet(), ConvFields: null, Zoom: true,
            inputs.Top5, inputs.WeightsDescription, inputs.RandomWeights, inputs.DeviceName, inputs.NpyExports,
            inputs.ExtraSections ?? Array.Empty<ReportSection>());
        return Run(options, network, progress);
    }

    /// <summary>The default run of any network: the pictures (in parallel), then the report; see the class summary.</summary>
    public static VisualizeResult Run(VisualizeOptions options, VisualizeNetwork network, IVizProgress progress)
    {
        var clock = Stopwatch.StartNew();
        try { network.Picture.Validate(); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        options.CheckPicture(network.Picture.Width, network.Picture.Height);
        string output = options.OutputDirectory ?? DefaultOutputDirectory(network.ImagePath);
        using var folder = new AtomicDirectory(output, options.Force);
        var files = new ConcurrentBag<WrittenFile>();
        (int X, int Y) zoomTarget = default;
        var maps = network.Maps;
        var journeyLayers = network.JourneyLayers(options.WithPools);
        var zoomLayers = network.ZoomLayers();

        try
        {
            progress.Run(scope =>
            {
                Directory.CreateDirectory(folder.File(LayersFolder));
                var input = new RgbCanvas(network.Picture.Width, network.Picture.Height, network.Picture.Rgb);
                var stats = new LayerStats[maps.Count];
                var gridFiles = new string?[maps.Count];
                var gridRanges = new string?[maps.Count];
                string zoomDescription = "";

                var gridStep = scope.Start("layer grids", maps.Count(m => network.DrawsGrid(m.Layer.Name)));
                var journeyStep = scope.Start("journey.gif", 1);
                var zoomStep = zoomLayers.Length > 0 ? scope.Start("zoom.gif", 1) : null;

                Parallel.Invoke(
                    () =>
                    {
                        Write(folder, InputFile, "input", PngWriter.Encode(input.Pixels, input.Width, input.Height, 3), files);
                        Parallel.For(0, maps.Count, i => stats[i] = LayerStats.Of(maps[i].Activation));
                    },
                    () =>
                    {
                        Parallel.For(0, maps.Count, i =>
                        {
                            var (layer, activation) = maps[i];
                            if (!network.DrawsGrid(layer.Name)) return;
                            var range = (options.Channels ?? new ChannelRange(0, activation.Shape[3])).ClampTo(activation.Shape[3]);
                            var canvas = LayerGridRenderer.Render(new LayerGridRequest(i, layer.Name, activation, range.First, range.Last,
                                options.Colormap, options.SharedScale, network.RandomWeights));
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
                        if (journeyLayers.Length > 0)
                        {
                            var frames = JourneyAnimation.BuildFrames(new JourneyRequest(input, journeyLayers, options.Colormap,
                                options.SharedScale, network.RandomWeights, options.FrameDelayMs));
                            Write(folder, JourneyFile, "journey", GifWriter.Encode(frames), files);
                        }
                        journeyStep.Done();
                    },
                    () =>
                    {
                        if (zoomStep is null) return;
                        var request = new ZoomRequest(input, zoomLayers, options.Colormap, options.SharedScale, network.RandomWeights,
                            options.Zoom is { } z ? (z.X, z.Y) : null, network.ConvFields);
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
                foreach (var asset in network.ExtraSections.SelectMany(s => s.Assets ?? Array.Empty<ReportAsset>()))
                    Write(folder, asset.RelativePath, "asset", asset.Bytes, files);
                var convs = journeyLayers.Where(m => m.Layer.IsConv).ToArray();
                string? caption = convs.Length == 0 ? null :
                    $"The journey: the input, then every conv layer's channels, {convs[0].Layer.Name} to {convs[^1].Layer.Name}.";
                var model = new ReportModel(
                    Path.GetFileName(network.ImagePath), InputFile, input.Width, input.Height,
                    network.Top?.Select(c => new ReportClass(c.ClassIndex, c.Label, c.Probability)).ToArray(),
                    maps.Select((m, i) => new ReportLayer(i, m.Layer.Name, m.Activation.Shape, stats[i], gridFiles[i], gridRanges[i])).ToArray(),
                    journeyLayers.Length > 0 ? JourneyFile : null, zoomStep is not null ? ZoomFile : null, zoomDescription,
                    NpyLinks(network.NpyExports, folder.FinalPath),
                    network.RandomWeights, network.ModelDescription, network.DeviceName, options.Colormap.Name, options.SharedScale,
                    network.ExtraSections, JourneyCaption: caption);
                string html = HtmlReport.Build(model);
                Write(folder, ReportFile, "report", new System.Text.UTF8Encoding(false).GetBytes(html), files);
                reportStep.Done();
                if (options.SingleFile)
                {
                    var singleStep = scope.Start(SingleFileName(network.ImagePath), 1);
                    string inlined = SingleFileReport.Inline(html, relative => File.ReadAllBytes(folder.File(relative)));
                    Write(folder, SingleFileName(network.ImagePath), "report-single-file", new System.Text.UTF8Encoding(false).GetBytes(inlined), files);
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
