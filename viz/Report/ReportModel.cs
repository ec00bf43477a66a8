using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Report;

/// <summary>One row of the report's layer table.</summary>
/// <param name="GridFile">Relative path of the layer's grid picture; null when --layers left it out.</param>
public sealed record ReportLayer(int Ordinal, string Name, int[] Shape, LayerStats Stats, string? GridFile, string? ChannelRange);

/// <summary>One of the top-5 classes.</summary>
public sealed record ReportClass(int ClassIndex, string Label, float Probability);

/// <summary>Everything index.html shows. File references are relative to the output folder.</summary>
public sealed record ReportModel(
    string ImageName,
    string InputFile,
    int InputWidth,
    int InputHeight,
    IReadOnlyList<ReportClass>? Top5,
    IReadOnlyList<ReportLayer> Layers,
    string? JourneyFile,
    string? ZoomFile,
    string ZoomDescription,
    IReadOnlyList<string> NpyLinks,
    bool RandomWeights,
    string WeightsDescription,
    string DeviceName,
    string ColormapName,
    bool SharedScale,
    IReadOnlyList<ReportSection> ExtraSections,
    string? JourneyCaption = null);
