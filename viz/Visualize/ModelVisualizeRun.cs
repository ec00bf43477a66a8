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
/// The default run's pictures for a user's own model: input.png, layers/NN.&lt;layer&gt;_&lt;first&gt;-&lt;last&gt;.png for every layer
/// whose output is a feature map (conv, pool, activation, batch norm, padding, rescaling; --layers picks some),
/// journey.gif over the conv layers (and pools with --with-pools), and index.html. Same folder handling as
/// <see cref="VisualizeRun"/>: built under a temporary name and renamed at the end. zoom.gif when the caller gives
/// the conv layers' receptive fields (square ones: the same on both axes).
/// </summary>
/// <param name="Layers">The model's layers in order, each with its tapped output (1, H, W, C) or (1, K).</param>
/// <param name="LayerFilter">--layers names, or null for every feature-map layer.</param>
public sealed record ModelVisualizeInputs(
    string ImagePath,
    InputPicture Picture,
    IReadOnlyList<(LayerSpec Layer, Tensor Activation)> Layers,
    IReadOnlyList<ClassScore>? TopK,
    string ModelDescription,
    string DeviceName,
    IReadOnlyList<string>? NpyExports,
    IReadOnlyList<string>? LayerFilter,
    IReadOnlyDictionary<string, ReceptiveField>? ConvFields = null);

public static class ModelVisualizeRun
{
    public static VisualizeResult Run(VisualizeOptions options, ModelVisualizeInputs inputs, IVizProgress progress)
    {
        var clock = Stopwatch.StartNew();
        try { inputs.Picture.Validate(); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var maps = inputs.Layers.Where(l => l.Activation.Rank == 4 && l.Activation.Shape[0] == 1).ToArray();
        if (inputs.LayerFilter is { } filter)
            foreach (var name in filter)
                if (!maps.Any(m => m.Layer.Name == name))
                    throw new CliException($"unknown layer '{name}' in --layers (feature-map layers of this model: {string.Join(", ", maps.Select(m => m.Layer.Name))})", 2);
        var drawn = inputs.LayerFilter is null ? maps : maps.Where(m => inputs.LayerFilter.Contains(m.Layer.Name)).ToArray();
        if (options.Channels is { } cr)
            foreach (var (layer, t) in drawn)
                if (cr.First >= t.Shape[3]) throw new CliException($"--channels {cr}: {layer.Name} has only {t.Shape[3]} channels (0-{t.Shape[3]})", 2);

        string output = options.OutputDirectory ?? VisualizeRun.DefaultOutputDirectory(inputs.ImagePath);
        using var folder = new AtomicDirectory(output, options.Force);
        var files = new ConcurrentBag<WrittenFile>();
        try
        {
            progress.Run(scope =>
            {
                Directory.CreateDirectory(folder.File(VisualizeRun.LayersFolder));
                var input = new RgbCanvas(inputs.Picture.Width, inputs.Picture.Height, inputs.Picture.Rgb);
                var stats = new LayerStats[maps.Length];
                var gridFiles = new string?[maps.Length];
                var gridRanges = new string?[maps.Length];
                var gridStep = scope.Start("layer grids", drawn.Length);
                var journeyStep = scope.Start("journey.gif", 1);
                var zoomLayers = inputs.ConvFields is { } cf ? maps.Where(m => m.Layer.IsConv && cf.ContainsKey(m.Layer.Name)).ToArray() : Array.Empty<(LayerSpec, Tensor)>();
                string zoomDescription = "";
                var journeyLayers = maps.Where(m => m.Layer.IsConv || (options.WithPools && m.Layer.Kind is LayerKind.MaxPool or LayerKind.AveragePool)).ToArray();
                Parallel.Invoke(
                    () =>
                    {
                        Write(folder, VisualizeRun.InputFile, "input", PngWriter.Encode(input.Pixels, input.Width, input.Height, 3), files);
                        Parallel.For(0, maps.Length, i => stats[i] = LayerStats.Of(maps[i].Activation));
                    },
                    () =>
                    {
                        Parallel.For(0, maps.Length, i =>
                        {
                            var (layer, activation) = maps[i];
                            if (!drawn.Contains(maps[i])) return;
                            var range = (options.Channels ?? new ChannelRange(0, activation.Shape[3])).ClampTo(activation.Shape[3]);
                            var canvas = LayerGridRenderer.Render(new LayerGridRequest(i, layer.Name, activation, range.First, range.Last,
                                options.Colormap, options.SharedScale, RandomWeights: false));
                            string relative = $"{VisualizeRun.LayersFolder}/{VisualizeRun.GridFileName(i, layer.Name, range)}";
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
                                options.SharedScale, false, options.FrameDelayMs));
                            Write(folder, VisualizeRun.JourneyFile, "journey", GifWriter.Encode(frames), files);
                        }
                        journeyStep.Done();
                    },
                    () =>
                    {
                        if (zoomLayers.Length == 0) return;
                        var request = new ZoomRequest(input, zoomLayers, options.Colormap, options.SharedScale, false, null, inputs.ConvFields);
                        var plan = ZoomAnimation.Plan(request);
                        zoomDescription = $"The zoom: toward ({plan.Target.X:F0}, {plan.Target.Y:F0}), the center of the {plan.TargetField.Size}-pixel receptive field " +
                                          $"of the strongest {plan.TargetLayer} activation, crossfading into each conv layer's most active channel there.";
                        Write(folder, VisualizeRun.ZoomFile, "zoom", GifWriter.Encode(ZoomAnimation.BuildFrames(request, plan)), files);
                    });

                var reportStep = scope.Start("index.html", 1);
                string caption = journeyLayers.Length == 0 ? "" :
                    $"The journey: the input, then every conv layer's channels, {journeyLayers[0].Layer.Name} to {journeyLayers[^1].Layer.Name}.";
                var model = new ReportModel(
                    Path.GetFileName(inputs.ImagePath), VisualizeRun.InputFile, input.Width, input.Height,
                    inputs.TopK?.Select(c => new ReportClass(c.ClassIndex, c.Label, c.Probability)).ToArray(),
                    maps.Select((m, i) => new ReportLayer(i, m.Layer.Name, m.Activation.Shape, stats[i], gridFiles[i], gridRanges[i])).ToArray(),
                    journeyLayers.Length > 0 ? VisualizeRun.JourneyFile : null, zoomLayers.Length > 0 ? VisualizeRun.ZoomFile : null, zoomDescription,
                    NpyLinks(inputs.NpyExports, folder.FinalPath),
                    false, inputs.ModelDescription, inputs.DeviceName, options.Colormap.Name, options.SharedScale,
                    Array.Empty<ReportSection>(), JourneyCaption: caption);
                Write(folder, VisualizeRun.ReportFile, "report", new System.Text.UTF8Encoding(false).GetBytes(HtmlReport.Build(model)), files);
                reportStep.Done();
                return 0;
            });
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.Count > 0)
        {
            var first = e.Flatten().InnerExceptions[0];
            throw first is CliException ? first : first is IOException or UnauthorizedAccessException ? new CliException($"cannot write {output}: {first.Message}") : first;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {output}: {e.Message}");
        }
        folder.Commit();
        return new VisualizeResult(folder.FinalPath, files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToArray(), default, clock.Elapsed);
    }

    private static void Write(AtomicDirectory folder, string relative, string kind, byte[] bytes, ConcurrentBag<WrittenFile> files)
    {
        string path = folder.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, bytes);
        files.Add(new WrittenFile(relative, kind, bytes.LongLength));
    }

    private static IReadOnlyList<string> NpyLinks(IReadOnlyList<string>? exports, string finalFolder) =>
        exports is null ? Array.Empty<string>()
            : exports.Select(p => Path.IsPathRooted(p) ? Path.GetRelativePath(finalFolder, p) : p).Select(p => p.Replace('\\', '/')).ToArray();
}
