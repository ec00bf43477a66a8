using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Animation;
using CnnEngine.Viz.Report;

namespace CnnEngine.Viz.Visualize;

/// <summary>
/// What one default run draws, whatever the network: its feature-map layers in order with their tapped outputs,
/// which of them get a grid, the conv layers' receptive fields for the zoom, and what the report says about the run.
/// VGG16 (<see cref="VisualizeRun.Run(VisualizeOptions, VisualizeInputs, IVizProgress)"/>) and a user's own model
/// (<see cref="ModelVisualizeRun"/>) each build one; <see cref="VisualizeRun.Run(VisualizeOptions, VisualizeNetwork, IVizProgress)"/>
/// turns it into the pictures and the report.
/// </summary>
/// <param name="ImagePath">The image file as given (its name names the default output folder and the report).</param>
/// <param name="Picture">The resized RGB picture fed to the network.</param>
/// <param name="Maps">Every feature-map layer in network order with its output (1, H, W, C): one report row each.</param>
/// <param name="Grids">Names of the layers that get a grid picture, or null for all of <paramref name="Maps"/>.</param>
/// <param name="ConvFields">Receptive field of each conv layer for the zoom; null = VGG16's.</param>
/// <param name="Zoom">Whether to make zoom.gif (the conv layers of <paramref name="Maps"/> that have a field).</param>
/// <param name="Top">Best classes, best first; null when the network has no classifier.</param>
/// <param name="ModelDescription">Where the weights came from, shown in the report.</param>
/// <param name="RandomWeights">True for seeded random weights: stamps the warning on every picture and the report.</param>
/// <param name="DeviceName">The device the forward pass ran on.</param>
/// <param name="NpyExports">.npy files to link from the report: paths relative to the output folder, or absolute.</param>
/// <param name="ExtraSections">More report sections (e.g. from the deconvnet), appended after the layers.</param>
public sealed record VisualizeNetwork(
    string ImagePath,
    InputPicture Picture,
    IReadOnlyList<(LayerSpec Layer, Tensor Activation)> Maps,
    IReadOnlySet<string>? Grids,
    IReadOnlyDictionary<string, ReceptiveField>? ConvFields,
    bool Zoom,
    IReadOnlyList<ClassScore>? Top,
    string ModelDescription,
    bool RandomWeights,
    string DeviceName,
    IReadOnlyList<string>? NpyExports,
    IReadOnlyList<ReportSection> ExtraSections)
{
    public bool DrawsGrid(string layer) => Grids is null || Grids.Contains(layer);

    /// <summary>The journey's frames after the input: every conv layer, and with --with-pools every pool.</summary>
    public (LayerSpec Layer, Tensor Activation)[] JourneyLayers(bool withPools) =>
        Maps.Where(m => m.Layer.IsConv || (withPools && m.Layer.Kind is LayerKind.MaxPool2x2 or LayerKind.MaxPool or LayerKind.AveragePool)).ToArray();

    /// <summary>The zoom's layers: the conv layers with a receptive field (none without <see cref="Zoom"/>).</summary>
    public (LayerSpec Layer, Tensor Activation)[] ZoomLayers() =>
        !Zoom ? [] : Maps.Where(m => m.Layer.IsConv && (ConvFields is null || ConvFields.ContainsKey(m.Layer.Name))).ToArray();
}
