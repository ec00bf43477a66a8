using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Report;

namespace CnnEngine.Viz.Visualize;

/// <summary>
/// The default run's pictures for a user's own model, through the same code as VGG16's (<see cref="VisualizeRun"/> over a
/// <see cref="VisualizeNetwork"/>): input.png, layers/NN.&lt;layer&gt;_&lt;first&gt;-&lt;last&gt;.png for every layer whose output is
/// a feature map (conv, pool, activation, batch norm, padding, rescaling; --layers picks some), journey.gif over the
/// conv layers (and pools with --with-pools), zoom.gif when the caller gives the conv layers' receptive fields (square
/// ones: the same on both axes), and index.html.
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
    IReadOnlyDictionary<string, ReceptiveField>? ConvFields = null,
    IReadOnlyList<ReportSection>? ExtraSections = null);

public static class ModelVisualizeRun
{
    /// <summary>Checks --layers and --channels against the model's layers, then runs <see cref="VisualizeRun.Run(VisualizeOptions, VisualizeNetwork, IVizProgress)"/>.</summary>
    public static VisualizeResult Run(VisualizeOptions options, ModelVisualizeInputs inputs, IVizProgress progress)
    {
        var maps = inputs.Layers.Where(l => l.Activation.Rank == 4 && l.Activation.Shape[0] == 1).ToArray();
        if (inputs.LayerFilter is { } filter)
            foreach (var name in filter)
                if (!maps.Any(m => m.Layer.Name == name))
                    throw new CliException($"unknown layer '{name}' in --layers (feature-map layers of this model: {string.Join(", ", maps.Select(m => m.Layer.Name))})", 2);
        var drawn = inputs.LayerFilter is null ? maps : maps.Where(m => inputs.LayerFilter.Contains(m.Layer.Name)).ToArray();
        if (options.Channels is { } cr)
            foreach (var (layer, t) in drawn)
                if (cr.First >= t.Shape[3]) throw new CliException($"--channels {cr}: {layer.Name} has only {t.Shape[3]} channels (0-{t.Shape[3]})", 2);
        var network = new VisualizeNetwork(inputs.ImagePath, inputs.Picture, maps, inputs.LayerFilter?.ToHashSet(),
            inputs.ConvFields, Zoom: inputs.ConvFields is not null, inputs.TopK, inputs.ModelDescription, RandomWeights: false,
            inputs.DeviceName, inputs.NpyExports, inputs.ExtraSections ?? Array.Empty<ReportSection>());
        return VisualizeRun.Run(options, network, progress);
    }
}
