using CnnEngine.Deconv;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>The Fig. 7 panel row: (a) input + occluder, (b) activation map, (c) projection, (d) probability, (e) argmax classes.</summary>
internal static class OcclusionFigure
{
    public static RgbCanvas Render(Tensor input, OcclusionResult r, Projection projection) =>
        Render(ProjectionPicture.Input(input), r, ProjectionPicture.Normalized(projection.Pixels), k => ImageNetClasses.Get(k).Label);

    /// <summary>The same for any network: its input and projection as pictures, its class names.</summary>
    public static RgbCanvas Render(RgbCanvas input, OcclusionResult r, RgbCanvas projection, Func<int, string> labelOf)
    {
        // Small inputs (a 28×28 digit model) are drawn f× larger, nearest, so that tiles and captions stay readable.
        int f = Math.Max(1, (int)Math.Ceiling(128.0 / Math.Min(input.Width, input.Height)));
        if (f > 1)
        {
            input = ProjectionPicture.ScaleNearest(input, input.Width * f, input.Height * f);
            projection = ProjectionPicture.ScaleNearest(projection, projection.Width * f, projection.Height * f);
        }
        int h = input.Height, w = input.Width;
        var tiles = new List<RgbCanvas>();

        // (a) the input with the occluder where it hurts most (lowest probability, or lowest activation without the top)
        var worstMap = r.Probability ?? r.Activation;
        int worst = 0;
        for (int i = 1; i < worstMap.Length; i++) if (worstMap[i] < worstMap[worst]) worst = i;
        var a = new RgbCanvas(w, h, (byte[])input.Pixels.Clone());
        int y0 = worst / r.Cols * r.Stride * f, x0 = worst % r.Cols * r.Stride * f;
        a.FillRect(x0, y0, r.Patch * f, r.Patch * f, new Rgb(128, 128, 128));
        tiles.Add(ProjectionPicture.Captioned(a, "(a) input"));

        tiles.Add(ProjectionPicture.Captioned(
            ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(r.Activation, r.Rows, r.Cols, Colormap.Viridis), w, h),
            $"(b) {r.Layer} map {r.StrongestChannel}"));
        tiles.Add(ProjectionPicture.Captioned(projection, "(c) its projection"));
        if (r.Probability is not null)
        {
            string label = labelOf(r.ClassIndex!.Value);
            tiles.Add(ProjectionPicture.Captioned(
                ProjectionPicture.ScaleNearest(ProjectionPicture.Heatmap(r.Probability, r.Rows, r.Cols, Colormap.Magma), w, h),
                $"(d) p({label})"));
            tiles.Add(ClassMap(r, w, h, labelOf));
        }
        return ProjectionPicture.Row(tiles);
    }

    /// <summary>(e) the most probable class per position, one colour per class, with a legend of the commonest classes.</summary>
    private static RgbCanvas ClassMap(OcclusionResult r, int w, int h, Func<int, string> labelOf)
    {
        var counts = r.Argmax!.GroupBy(c => c).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).ToArray();
        var palette = new Rgb[] { new(228, 26, 28), new(55, 126, 184), new(77, 175, 74), new(152, 78, 163), new(255, 127, 0), new(255, 255, 51), new(166, 86, 40), new(247, 129, 191) };
        var colour = new Dictionary<int, Rgb>();
        for (int i = 0; i < counts.Length; i++) colour[counts[i]] = i < palette.Length ? palette[i] : new Rgb(90, 90, 90);
        var cells = new RgbCanvas(r.Cols, r.Rows);
        for (int i = 0; i < r.Argmax!.Length; i++) cells.SetPixel(i % r.Cols, i / r.Cols, colour[r.Argmax[i]]);
        var map = ProjectionPicture.ScaleNearest(cells, w, h);
        int legendRows = Math.Min(counts.Length, 5);
        var legend = new RgbCanvas(w, legendRows * (BitmapFont.LineHeight + 2) + 2);
        legend.Fill(Rgb.Black);
        for (int i = 0; i < legendRows; i++)
        {
            int y = 2 + i * (BitmapFont.LineHeight + 2);
            legend.FillRect(2, y, 8, 8, colour[counts[i]]);
            string label = labelOf(counts[i]);
            label = new string(label.Select(ch => BitmapFont.HasGlyph(ch) ? ch : '?').ToArray());
            BitmapFont.Draw(legend, 14, y, label.Length > (w - 16) / BitmapFont.Advance ? label[..((w - 16) / BitmapFont.Advance)] : label, Rgb.White);
        }
        var both = ProjectionPicture.Stack(new[] { map, legend });
        return ProjectionPicture.Captioned(both, "(e) top class");
    }
}
