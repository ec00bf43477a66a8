using CnnEngine.Deconv;
using CnnEngine.Model.Cnn;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// The default run's --deconv / --occlusion / --invariance on a user's own model: the same report sections as
/// <see cref="DeconvReport"/> gives VGG16 (same file names under deconv/), from <see cref="CnnProjector"/>,
/// <see cref="Occlusion"/> and <see cref="Invariance"/> with the model's own layers, input size, grey and class names.
/// </summary>
internal static class OwnModelReport
{
    /// <summary>How many conv layers the projections section shows at most (VGG16 shows one per block: 5).</summary>
    public const int MaxProjectionLayers = 5;

    public static IReadOnlyList<ReportSection> SectionsFor(System.CommandLine.ParseResult parse, OwnModelDeconv own, Action<string> warn)
    {
        var sections = new List<ReportSection>();
        if (parse.GetValue(DeconvReport.DeconvOption)) sections.Add(Projections(own));
        if (parse.GetValue(DeconvReport.OcclusionOption))
        {
            int side = Math.Min(own.Model.Input.Height, own.Model.Input.Width);
            sections.Add(Occlusion(own, patch: Math.Max(1, side * 2 / 7), stride: Math.Max(1, side / 7)));
            if (own.Model.ClassCount is null) warn($"warning: --occlusion: {own.Model.Name} outputs a {own.Model.Output} map, not classes: the feature activation only");
        }
        if (parse.GetValue(DeconvReport.InvarianceOption))
        {
            if (own.Model.ClassCount is null) warn($"warning: --invariance needs class outputs; {own.Model.Name} outputs a {own.Model.Output} map: section skipped");
            else
            {
                try { sections.Add(Invariance(own)); }
                catch (DeconvException e) { warn($"warning: --invariance: {e.Message}: section skipped"); }
            }
        }
        return sections;
    }

    /// <summary>Up to <see cref="MaxProjectionLayers"/> conv layers, spread from the first to the deepest.</summary>
    public static IReadOnlyList<string> DefaultLayers(CnnModel model)
    {
        var convs = CnnProjector.ProjectableLayers(model).OfType<ConvLayer>().Select(l => l.Name).ToArray();
        if (convs.Length <= MaxProjectionLayers) return convs;
        return Enumerable.Range(0, MaxProjectionLayers).Select(i => convs[(int)Math.Round(i * (convs.Length - 1) / (double)(MaxProjectionLayers - 1))]).ToArray();
    }

    /// <summary>--deconv: each layer's strongest maps, each projected from its strongest activation alone, beside the input patch it sees.</summary>
    public static ReportSection Projections(OwnModelDeconv own, int mapsPerLayer = 4)
    {
        var layers = DefaultLayers(own.Model);
        if (layers.Count == 0) return new ReportSection("Deconvnet projections", "<p>This model has no conv layer to project from.</p>\n");
        var projector = new CnnProjector(own.Model);
        var order = own.Model.Layers.Select((l, i) => (l.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var tap = projector.Record(own.Backend, own.Image.Input, layers.OrderBy(l => order[l]).Last());
        var fields = ReceptiveFields.Of(own.Model);
        int h = own.Model.Input.Height, w = own.Model.Input.Width;
        return DeconvReport.ProjectionsSection(layers, tap, own.InputPicture(), mapsPerLayer, (layer, k, y, x) =>
        {
            var (y0, y1) = fields[layer].Y.Span(y, h);
            var (x0, x1) = fields[layer].X.Span(x, w);
            return (own.Picture(projector.ProjectAt(tap, layer, k, y, x).Pixels), (x0, y0, x1 + 1, y1 + 1));
        });
    }

    /// <summary>--occlusion: the Fig. 7 panel for the deepest feature-map layer, occluded with a mid-grey pixel as fed.</summary>
    public static ReportSection Occlusion(OwnModelDeconv own, int patch, int stride, int batch = 8)
    {
        string layer = CnnProjector.ProjectableLayers(own.Model) is { Count: > 0 } maps ? maps[^1].Name
            : throw new DeconvException($"{own.Model.Name} has no feature-map layer to occlude");
        var result = CnnEngine.Deconv.Occlusion.Run(own.Backend.Forward, own.Image.Input, layer, own.Model.ClassCount, patch, stride, null, batch, own.GreyPixel());
        var projector = new CnnProjector(own.Model);
        var projection = projector.Project(projector.Record(own.Backend, own.Image.Input, layer), layer, result.StrongestChannel, ProjectionMode.Max);
        return DeconvReport.OcclusionSection(result, own.LabelOf, OcclusionFigure.Render(own.InputPicture(), result, own.Picture(projection.Pixels), own.LabelOf));
    }

    /// <summary>Invariance (Fig. 5) charts for translate / scale / rotate (translation scaled to the input size), as inline SVG.</summary>
    public static ReportSection Invariance(OwnModelDeconv own, int batch = 8)
    {
        string early = own.DefaultEarlyLayer(), dense = own.DefaultDenseLayer();
        return DeconvReport.InvarianceSection($"layer 1 ({early}) and layer 7 ({dense})", DeconvReport.ReportTransforms, t =>
        {
            string range = t == InvarianceTransform.Translate ? own.ScaledTranslateRange() : CnnEngine.Deconv.Invariance.DefaultRange(t);
            return CnnEngine.Deconv.Invariance.Run(own.Backend.Forward, own.Image.Input, t, CnnEngine.Deconv.Invariance.ParseRange(range, t), early, dense, batch);
        }, own.LabelOf);
    }
}
