using CnnEngine.Backends;
using CnnEngine.Deconv;
using CnnEngine.Imaging;
using CnnEngine.Model.Cnn;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// Fig. 2 grids: for each feature map, its top-K projections (cropped to the receptive field, each normalized on its
/// own) in a square beside the matching image patches. One forward per distinct image, all of its projections from it.
/// </summary>
internal static class FeatureGrid
{
    private const int Tile = 56;

    /// <summary>One image's tiles: for each wanted (layer, channel, rank), the projection and the image patch.</summary>
    private delegate IEnumerable<((string Layer, int Channel, int Rank) Key, RgbCanvas Projection, RgbCanvas Patch)> ImageTiles(
        string path, IReadOnlyList<(string Layer, int Channel, int Rank, TopEntry Entry)> wanted);

    /// <returns>The written picture paths, one per layer.</returns>
    public static IReadOnlyList<string> Render(FeatureScanState state, IForwardBackend backend, string outDir, int channelsPerLayer, Action<string> info)
    {
        using var projector = new Projector(backend.Weights);
        return Render(state, outDir, channelsPerLayer, info, (path, wanted) =>
        {
            var image = ImagePipeline.LoadForNetwork(path, ImageSize.Vgg16Top);
            string deepest = wanted.Select(g => g.Layer).OrderBy(ConvLayers.IndexOf).Last();
            var tap = Projector.Record(backend, image.Input, deepest);
            var picture = ProjectionPicture.Input(image.Input);
            int h = image.Input.Shape[1], w = image.Input.Shape[2];
            return wanted.Select(t =>
            {
                var p = projector.ProjectAt(tap, t.Layer, t.Channel, t.Entry.Y, t.Entry.X);
                var rf = ConvLayers.ReceptiveField(t.Layer, t.Entry.Y, t.Entry.Y + 1, t.Entry.X, t.Entry.X + 1, h, w);
                return ((t.Layer, t.Channel, t.Rank), ProjectionPicture.Crop(ProjectionPicture.Normalized(p.Pixels), rf.X0, rf.Y0, rf.X1, rf.Y1),
                    ProjectionPicture.Crop(picture, rf.X0, rf.Y0, rf.X1, rf.Y1));
            }).ToArray();
        });
    }

    /// <summary>The same grids for a user's CNN: its projections, its input picture, receptive fields from its real kernel / stride / padding chain.</summary>
    public static IReadOnlyList<string> Render(FeatureScanState state, OwnModelDeconv own, string outDir, int channelsPerLayer, Action<string> info)
    {
        var projector = new CnnProjector(own.Model);
        var fields = ReceptiveFields.Of(own.Model);
        var order = own.Model.Layers.Select((l, i) => (l.Name, i)).ToDictionary(p => p.Name, p => p.i);
        return Render(state, outDir, channelsPerLayer, info, (path, wanted) =>
        {
            var input = own.Model.Input;
            var image = ModelInput.Prepare(ImageLoader.Load(path), input.Height, input.Width, input.Channels, own.Resize, own.Preprocess);
            string deepest = wanted.Select(g => g.Layer).OrderBy(l => order[l]).Last();
            var tap = projector.Record(own.Backend, image.Input, deepest);
            var picture = new RgbCanvas(image.Resized.Width, image.Resized.Height, image.Resized.Pixels);
            return wanted.Select(t =>
            {
                var p = projector.ProjectAt(tap, t.Layer, t.Channel, t.Entry.Y, t.Entry.X);
                var (y0, y1) = fields[t.Layer].Y.Span(t.Entry.Y, input.Height);
                var (x0, x1) = fields[t.Layer].X.Span(t.Entry.X, input.Width);
                return ((t.Layer, t.Channel, t.Rank), ProjectionPicture.Crop(own.Picture(p.Pixels), x0, y0, x1 + 1, y1 + 1),
                    ProjectionPicture.Crop(picture, x0, y0, x1 + 1, y1 + 1));
            }).ToArray();
        });
    }

    private static IReadOnlyList<string> Render(FeatureScanState state, string outDir, int channelsPerLayer, Action<string> info, ImageTiles tilesOf)
    {
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
            foreach (var (key, projection, patch) in tilesOf(Path.Combine(state.Dataset, group.Key), group.ToArray()))
                tiles[key] = (Fit(projection), Fit(patch));
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
