using System.Net;
using System.Text;
using CnnEngine.Backends;
using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// The deconvnet experiments as sections of the HTML report (the default run's --deconv / --occlusion, and the
/// invariance charts). Pictures travel as <see cref="ReportAsset"/>s under deconv/ in the output folder.
/// </summary>
public static class DeconvReport
{
    public static readonly System.CommandLine.Option<bool> DeconvOption = new("--deconv") { Description = "Add deconvnet projections of the strongest maps to the report" };
    public static readonly System.CommandLine.Option<bool> OcclusionOption = new("--occlusion") { Description = "Add occlusion sensitivity maps (Fig. 7) to the report (class maps need the top)" };
    public static readonly System.CommandLine.Option<bool> InvarianceOption = new("--invariance") { Description = "Add invariance charts (Fig. 5) to the report (needs the top)" };

    /// <summary>Adds --deconv, --occlusion and --invariance to the default run's command.</summary>
    public static void AddOptions(System.CommandLine.Command command)
    {
        command.Options.Add(DeconvOption);
        command.Options.Add(OcclusionOption);
        command.Options.Add(InvarianceOption);
    }

    /// <summary>
    /// The sections the command line asked for (none when no flag is given): pass them as VisualizeInputs.ExtraSections.
    /// Occlusion and invariance need the classifier top; without it they are skipped with a warning.
    /// </summary>
    /// <param name="input">(1, H, W, 3) preprocessed, as the default run fed it.</param>
    public static IReadOnlyList<ReportSection> SectionsFor(System.CommandLine.ParseResult parse, IForwardBackend backend, Tensor input, Action<string> warn)
    {
        var sections = new List<ReportSection>();
        if (parse.GetValue(DeconvOption)) sections.Add(Projections(backend, input));
        bool top = backend.Weights.HasTop && input.Shape[1] == Vgg16Architecture.TopInputSize && input.Shape[2] == Vgg16Architecture.TopInputSize;
        if (parse.GetValue(OcclusionOption))
        {
            int side = Math.Min(input.Shape[1], input.Shape[2]);
            sections.Add(Occlusion(backend, input, patch: Math.Max(1, side * 2 / 7), stride: Math.Max(1, side / 7))); // 64 / 32 at 224²: 6×6 positions
            if (!top) warn("warning: --occlusion without the classifier top maps the feature activation only");
        }
        if (parse.GetValue(InvarianceOption))
        {
            if (top) sections.Add(Invariance(backend, input));
            else warn("warning: --invariance needs weights with the classifier top and a 224×224 input; section skipped");
        }
        return sections;
    }

    public static readonly string[] DefaultLayers = { "block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3" };

    /// <summary>
    /// --deconv: for each layer, the <paramref name="mapsPerLayer"/> feature maps with the strongest single activation,
    /// each projected from that activation alone (max mode), beside the input's receptive-field patch.
    /// </summary>
    /// <param name="input">(1, H, W, 3) preprocessed.</param>
    public static ReportSection Projections(IForwardBackend backend, Tensor input, IReadOnlyList<string>? layers = null, int mapsPerLayer = 4)
    {
        layers ??= DefaultLayers;
        foreach (var l in layers) ConvLayers.Find(l);
        string deepest = layers.OrderBy(ConvLayers.IndexOf).Last();
        var tap = Projector.Record(backend, input, deepest);
        using var projector = new Projector(backend.Weights);
        int h = input.Shape[1], w = input.Shape[2];
        return ProjectionsSection(layers, tap, ProjectionPicture.Input(input), mapsPerLayer, (layer, k, y, x) =>
        {
            var rf = ConvLayers.ReceptiveField(layer, y, y + 1, x, x + 1, h, w);
            return (ProjectionPicture.Normalized(projector.ProjectAt(tap, layer, k, y, x).Pixels), (rf.X0, rf.Y0, rf.X1, rf.Y1));
        });
    }

    /// <summary>One activation projected alone: the projection as a picture of the whole input, and its receptive field [X0, X1) × [Y0, Y1).</summary>
    internal delegate (RgbCanvas Projection, (int X0, int Y0, int X1, int Y1) Field) ProjectOne(string layer, int channel, int y, int x);

    /// <summary>
    /// The projections section for any network: for each layer of a recorded forward, the <paramref name="mapsPerLayer"/>
    /// feature maps with the strongest single activation, each projected from that activation alone, beside the input patch.
    /// </summary>
    internal static ReportSection ProjectionsSection(IReadOnlyList<string> layers, RecordingTap tap, RgbCanvas picture, int mapsPerLayer, ProjectOne project)
    {
        var assets = new List<ReportAsset>();
        var html = new StringBuilder("<p>Deconvnet projections (Zeiler &amp; Fergus 2014): each feature map's strongest activation alone, " +
                                     "sent down through the recorded pool switches, rectification and the transposed filters; beside it the input patch it sees.</p>\n");
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
                var (projection, (x0, y0, x1, y1)) = project(layer, k, best.Y, best.X);
                var proj = ProjectionPicture.Crop(projection, x0, y0, x1, y1);
                var patch = ProjectionPicture.Crop(picture, x0, y0, x1, y1);
                const int side = 96;
                tiles.Add(ProjectionPicture.Captioned(ProjectionPicture.Row(new[] { Resample.Bilinear(proj, side, side), Resample.Bilinear(patch, side, side) }, 1), $"#{k} {best.Value:G3}"));
            }
            string file = $"deconv/projections_{layer}.png";
            assets.Add(Asset(file, ProjectionPicture.Row(tiles)));
            html.Append($"<figure><figcaption><b>{WebUtility.HtmlEncode(layer)}</b> — {strongest.Length} strongest maps</figcaption><img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"{WebUtility.HtmlEncode(layer)} projections\"></figure>\n");
        }
        return new ReportSection("Deconvnet projections", html.ToString(), assets);
    }

    /// <summary>--occlusion: the Fig. 7 panel for one layer, with the maps' numbers.</summary>
    public static ReportSection Occlusion(IForwardBackend backend, Tensor input, string layer = "block5_conv3", int patch = 64, int stride = 32, int batch = 8)
    {
        var result = CnnEngine.Deconv.Occlusion.Run(backend, input, layer, patch, stride, null, batch);
        using var projector = new Projector(backend.Weights);
        var projection = projector.Project(Projector.Record(backend, input, layer), layer, result.StrongestChannel, ProjectionMode.Max);
        return OcclusionSection(result, k => ImageNetClasses.Get(k).Label, OcclusionFigure.Render(input, result, projection));
    }

    /// <summary>The occlusion section for any network: its result, class names and Fig. 7 panel.</summary>
    internal static ReportSection OcclusionSection(OcclusionResult result, Func<int, string> labelOf, RgbCanvas figure)
    {
        string file = $"deconv/occlusion_{result.Layer}_p{result.Patch}_s{result.Stride}.png";
        var html = new StringBuilder();
        html.Append($"<p>Occlusion sensitivity (Fig. 7): a grey {result.Patch}×{result.Patch} square at {result.Rows}×{result.Cols} positions (stride {result.Stride}). ");
        html.Append($"(b) total activation of {WebUtility.HtmlEncode(result.Layer)} map {result.StrongestChannel}, the strongest on the unoccluded image; (c) its projection");
        if (result.ClassIndex is int c)
            html.Append($"; (d) probability of <b>{WebUtility.HtmlEncode(labelOf(c))}</b> (unoccluded {result.BaselineProbability:G3}); (e) most probable class");
        html.Append(".</p>\n");
        html.Append($"<figure><img src=\"{WebUtility.HtmlEncode(file)}\" alt=\"occlusion maps\"></figure>\n");
        return new ReportSection("Occlusion sensitivity", html.ToString(), new[] { Asset(file, figure) });
    }

    /// <summary>The three sweeps the report shows (each with its command's default range).</summary>
    internal static readonly InvarianceTransform[] ReportTransforms = { InvarianceTransform.Translate, InvarianceTransform.Scale, InvarianceTransform.Rotate };

    /// <summary>Invariance (Fig. 5) charts for the given transforms (default sweeps), as inline SVG.</summary>
    public static ReportSection Invariance(IForwardBackend backend, Tensor input, IReadOnlyList<InvarianceTransform>? transforms = null, int batch = 8) =>
        InvarianceSection("layer 1 (block1 output) and layer 7 (fc2)", transforms ?? ReportTransforms, t =>
            CnnEngine.Deconv.Invariance.Run(backend, input, t, CnnEngine.Deconv.Invariance.ParseRange(CnnEngine.Deconv.Invariance.DefaultRange(t), t), batch), null);

    /// <summary>The invariance section for any network: one sweep per transform, charted.</summary>
    /// <param name="layers">The two measured layers as the sentence names them (HTML-encoded here).</param>
    internal static ReportSection InvarianceSection(string layers, IReadOnlyList<InvarianceTransform> transforms, Func<InvarianceTransform, InvarianceResult> sweep, Func<int, string>? labelOf)
    {
        var html = new StringBuilder($"<p>Invariance (Fig. 5): distance of {WebUtility.HtmlEncode(layers)} features from the original's, " +
                                     "and the probability of the original top-1 class, as the image is transformed.</p>\n");
        var assets = new List<ReportAsset>();
        foreach (var t in transforms)
        {
            var result = sweep(t);
            string name = t.ToString().ToLowerInvariant();
            html.Append($"<h3>{name}</h3>\n<div class=\"charts\">");
            foreach (var chart in InvarianceCommand.Charts(result, labelOf))
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
