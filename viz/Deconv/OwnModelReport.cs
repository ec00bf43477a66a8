using System.Net;
using System.Text;
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
        var html = new StringBuilder("<p>Deconvnet projections (Zeiler &amp; Fergus 2014): each feature map's strongest activation alone, " +
                                     "sent down through the recorded pool switches, rectification and the transposed filters; beside it the input patch it sees.</p>\n");
        if (layers.Count == 0) return new ReportSection("Deconvnet projections", html.Append("<p>This model has no conv layer to project from.</p>\n").ToString());
        var projector = new CnnProjector(own.Model);
        var order = own.Model.Layers.Select((l, i) => (l.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var tap = projector.Record(own.Backend, own.Image.Input, layers.OrderBy(l => order[l]).Last());
        var fields = ReceptiveFields.Of(own.Model);
        int h = own.Model.Input.Height, w = own.Model.Input.Width;
        var picture = own.InputPicture();
        var assets = new List<ReportAsset>();
        foreach (var layer in layers)
        {
            var act = tap.Activations[layer];
            int lh = act.Shape[1], lw = act.Shape[2], c = act.Shape[3];
            var map = act.Image(0).ToArray(); // (h, w, C)
            var strongest = Enumerable.Range(0, c).Select(k => (K: k, Best: ProjectionSeed.Strongest(map, lh, lw, c, k)))
                .OrderByDescending(t => t.Best.Value).ThenBy(t => t.K).Take(mapsPerLayer).ToArray();
            var tiles = new List<RgbCanvas>();
            foreach (var (k, best) in strongest)
            {
                var p = projector.ProjectAt(tap, layer, k, best.Y, best.X);
                var (y0, y1) = fields[layer].Y.Span(best.Y, h);
                var (x0, x1) = fields[layer].X.Span(best.X, w);
                var proj = ProjectionPicture.Crop(own.Picture(p.Pixels), x0, y0, x1 + 1, y1 + 1);
                var patch = ProjectionPicture.Crop(picture, x0, y0, x1 + 1, y1 + 1);
                const int side = 96;
                tiles.Add(ProjectionPicture.Captioned(ProjectionPicture.Row(new[] { Resample.Bilinear(proj, side, side), Resample.Bilinear(patch, side, side) }, 1), $"#{k} {best.Value:G3}"));
            }
            string file = $"deconv/projections_{layer}.png";
            assets.Add(Asset(file, ProjectionPicture.Row(tiles)));
            html.Append($"<figure><figcaption><b>{WebUtility.HtmlEncode(layer)}</b> — {strongest.Length} strongest maps</figcaption><img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"{WebUtility.HtmlEncode(layer)} projections\"></figure>\n");
        }
        return new ReportSection("Deconvnet projections", html.ToString(), assets);
    }

    /// <summary>--occlusion: the Fig. 7 panel for the deepest feature-map layer, occluded with a mid-grey pixel as fed.</summary>
    public static ReportSection Occlusion(OwnModelDeconv own, int patch, int stride, int batch = 8)
    {
        string layer = CnnProjector.ProjectableLayers(own.Model) is { Count: > 0 } maps ? maps[^1].Name
            : throw new DeconvException($"{own.Model.Name} has no feature-map layer to occlude");
        var result = CnnEngine.Deconv.Occlusion.Run(own.Backend.Forward, own.Image.Input, layer, own.Model.ClassCount, patch, stride, null, batch, own.GreyPixel());
        var projector = new CnnProjector(own.Model);
        var projection = projector.Project(projector.Record(own.Backend, own.Image.Input, layer), layer, result.StrongestChannel, ProjectionMode.Max);
        string file = $"deconv/occlusion_{layer}_p{patch}_s{stride}.png";
        var html = new StringBuilder();
        html.Append($"<p>Occlusion sensitivity (Fig. 7): a grey {patch}×{patch} square at {result.Rows}×{result.Cols} positions (stride {stride}). ");
        html.Append($"(b) total activation of {WebUtility.HtmlEncode(layer)} map {result.StrongestChannel}, the strongest on the unoccluded image; (c) its projection");
        if (result.ClassIndex is int c)
            html.Append($"; (d) probability of <b>{WebUtility.HtmlEncode(own.LabelOf(c))}</b> (unoccluded {result.BaselineProbability:G3}); (e) most probable class");
        html.Append(".</p>\n");
        html.Append($"<figure><img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"occlusion maps\"></figure>\n");
        var figure = OcclusionFigure.Render(own.InputPicture(), result, own.Picture(projection.Pixels), own.LabelOf);
        return new ReportSection("Occlusion sensitivity", html.ToString(), new[] { Asset(file, figure) });
    }

    /// <summary>Invariance (Fig. 5) charts for translate / scale / rotate (translation scaled to the input size), as inline SVG.</summary>
    public static ReportSection Invariance(OwnModelDeconv own, int batch = 8)
    {
        string early = own.DefaultEarlyLayer(), dense = own.DefaultDenseLayer();
        var html = new StringBuilder($"<p>Invariance (Fig. 5): distance of layer 1 ({WebUtility.HtmlEncode(early)}) and layer 7 ({WebUtility.HtmlEncode(dense)}) " +
                                     "features from the original's, and the probability of the original top-1 class, as the image is transformed.</p>\n");
        var assets = new List<ReportAsset>();
        foreach (var t in new[] { InvarianceTransform.Translate, InvarianceTransform.Scale, InvarianceTransform.Rotate })
        {
            string range = t == InvarianceTransform.Translate ? own.ScaledTranslateRange() : CnnEngine.Deconv.Invariance.DefaultRange(t);
            var parameters = CnnEngine.Deconv.Invariance.ParseRange(range, t);
            var result = CnnEngine.Deconv.Invariance.Run(own.Backend.Forward, own.Image.Input, t, parameters, early, dense, batch);
            string name = t.ToString().ToLowerInvariant();
            html.Append($"<h3>{name}</h3>\n<div class=\"charts\">");
            foreach (var chart in InvarianceCommand.Charts(result, own.LabelOf))
            {
                string file = $"deconv/invariance_{name}_{chart.Suffix}.svg";
                assets.Add(new ReportAsset(file, Encoding.UTF8.GetBytes(chart.Chart.ToSvg())));
                html.Append($"<img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"{name} {WebUtility.HtmlEncode(chart.Suffix)}\">");
            }
            html.Append("</div>\n");
        }
        return new ReportSection("Invariance", html.ToString(), assets);
    }

    private static ReportAsset Asset(string path, RgbCanvas canvas) =>
        new(path, PngWriter.Encode(canvas.Pixels, canvas.Width, canvas.Height, 3));
}
