using CnnEngine.Backends;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// Fig. 2 grids: for each feature map, its top-K projections (cropped to the receptive field, each normalized on its
/// own) in a square beside the matching image patches. One forward per distinct image, all of its projections from it.
/// </summary>
internal static class FeatureGrid
{
    private const int Tile = 56;

    /// <returns>The written picture paths, one per layer.</returns>
    public static IReadOnlyList<string> Render(FeatureScanState state, IForwardBackend backend, string outDir, int channelsPerLayer, Action<string> info)
    {
        using var projector = new Projector(backend.Weights);
        var wanted = new List<(string Layer, int Channel, int Rank, TopEntry Entry)>();
        foreach (var layer in state.Layers)
        {
            var lists = state.Top.Entries[layer];
            int count = channelsPerLayer < 0 ? lists.Length : Math.Min(channelsPerLayer, lists.Length);
            for (int c = 0; c < count; c++)
                for (int r = 0; r < lists[c].Count; r++) wanted.Add((layer, c, r, lists[c][r]));
        }
        var tiles = new Dictionary<(string, int, int), (RgbCanvas Projection, RgbCanvas Patch)>();
        var byImage = wanted.GroupBy(w => w.Entry.Image).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        int done = 0;
        foreach (var group in byImage)
        {
            var image = ImagePipeline.LoadForNetwork(Path.Combine(state.Dataset, group.Key), ImageSize.Vgg16Top);
            string deepest = group.Select(g => g.Layer).OrderBy(ConvLayers.IndexOf).Last();
            var tap = Projector.Record(backend, image.Input, deepest);
            var picture = ProjectionPicture.Input(image.Input);
            int h = image.Input.Shape[1], w = image.Input.Shape[2];
            foreach (var (layer, channel, rank, e) in group)
            {
                var p = projector.ProjectAt(tap, layer, channel, e.Y, e.X);
                var rf = ConvLayers.ReceptiveField(layer, e.Y, e.Y + 1, e.X, e.X + 1, h, w);
                var proj = ProjectionPicture.Crop(ProjectionPicture.Normalized(p.Pixels), rf.X0, rf.Y0, rf.X1, rf.Y1);
                var patch = ProjectionPicture.Crop(picture, rf.X0, rf.Y0, rf.X1, rf.Y1);
                tiles[(layer, channel, rank)] = (Fit(proj), Fit(patch));
            }
            if (++done % 10 == 0) info($"rendering: {done}/{byImage.Length} images");
        }

        var written = new List<string>();
        foreach (var layer in state.Layers)
        {
            var lists = state.Top.Entries[layer];
            int count = channelsPerLayer < 0 ? lists.Length : Math.Min(channelsPerLayer, lists.Length);
            if (count == 0) continue;
            var blocks = new List<RgbCanvas>();
            for (int c = 0; c < count; c++)
            {
                int side = (int)Math.Ceiling(Math.Sqrt(state.K));
                var projections = Square(Enumerable.Range(0, lists[c].Count).Select(r => tiles[(layer, c, r)].Projection).ToArray(), side);
                var patches = Square(Enumerable.Range(0, lists[c].Count).Select(r => tiles[(layer, c, r)].Patch).ToArray(), side);
                blocks.Add(ProjectionPicture.Captioned(ProjectionPicture.Row(new[] { projections, patches }, 2), $"{layer} #{c}"));
            }
            var rows = blocks.Chunk(4).Select(chunk => ProjectionPicture.Row(chunk, 6)).ToArray();
            string path = Path.Combine(outDir, $"features_{layer}.png");
            PngWriter.Write(path, ProjectionPicture.Stack(rows));
            written.Add(path);
        }
        return written;
    }

    private static RgbCanvas Fit(RgbCanvas c) => c.Width == Tile && c.Height == Tile ? c : Resample.Bilinear(c, Tile, Tile);

    /// <summary>Tiles in a side × side square (empty cells stay dark).</summary>
    private static RgbCanvas Square(IReadOnlyList<RgbCanvas> tiles, int side)
    {
        var c = new RgbCanvas(side * (Tile + 1), side * (Tile + 1));
        c.Fill(Rgb.Black);
        for (int i = 0; i < tiles.Count; i++) c.Blit(tiles[i], (i % side) * (Tile + 1), (i / side) * (Tile + 1));
        return c;
    }
}
