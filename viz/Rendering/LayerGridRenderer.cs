using System.Globalization;
using CnnEngine.Tensors;

namespace CnnEngine.Viz.Rendering;

/// <summary>What one layer grid shows.</summary>
/// <param name="Ordinal">The layer's position in the conv base (0 = block1_conv1), printed as NN.</param>
/// <param name="First">First channel shown (inclusive).</param>
/// <param name="Last">Last channel shown (exclusive).</param>
public sealed record LayerGridRequest(int Ordinal, string LayerName, Tensor Activation, int First, int Last,
    Colormap Colormap, bool SharedScale, bool RandomWeights);

/// <summary>
/// Renders every requested channel of a layer as a near-square grid of colormapped tiles with thin separators,
/// under a header (layer, shape, channel range, scaling) and, for random weights, a red warning band.
/// Small maps are upscaled with nearest neighbour to at least <see cref="MinimumTileSide"/> pixels; maps larger than
/// <see cref="MaximumTileSide"/> (native-size inputs) are subsampled by a whole step so a grid stays a sane size.
/// </summary>
public static class LayerGridRenderer
{
    public const int MinimumTileSide = 28;
    public const int MaximumTileSide = 512;
    public const int SeparatorWidth = 2;
    public const int Padding = 6;
    public static readonly Rgb Background = new(24, 24, 24);
    public const string RandomWeightsText = "random weights: not ImageNet features";

    public static string Header(LayerGridRequest r) =>
        $"{r.Ordinal:00} {r.LayerName}  {ShapeMath.Format(r.Activation.Shape)}";

    public static string SubHeader(LayerGridRequest r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"channels {r.First}-{r.Last} of {r.Activation.Shape[^1]}, {(r.SharedScale ? "shared layer" : "per-channel")} min..max -> {r.Colormap.Name}");

    /// <summary>Grid geometry for a request (tile size includes the upscale).</summary>
    public static GridLayout Layout(LayerGridRequest r)
    {
        var (scale, step) = Sampling(r.Activation.Shape[1], r.Activation.Shape[2]);
        return GridLayout.For(r.Last - r.First, TileSide(r.Activation.Shape[2], scale, step), TileSide(r.Activation.Shape[1], scale, step), SeparatorWidth);
    }

    /// <summary>Upscale factor (small maps) and subsampling step (huge maps) for an H×W map; one of them is 1.</summary>
    public static (int Scale, int Step) Sampling(int h, int w)
    {
        int step = (Math.Max(h, w) + MaximumTileSide - 1) / MaximumTileSide;
        return step > 1 ? (1, step) : (GridLayout.UpscaleFor(Math.Min(h, w), MinimumTileSide), 1);
    }

    private static int TileSide(int side, int scale, int step) => (side + step - 1) / step * scale;

    /// <summary>Height of the header (and banner) above the grid.</summary>
    public static int HeaderHeight(int textScale, bool randomWeights) =>
        2 * BitmapFont.LineHeight * textScale + 2 * Padding + (randomWeights ? BannerHeight(textScale) : 0);

    public static int BannerHeight(int textScale) => BitmapFont.LineHeight * textScale + 2 * Padding;

    public static RgbCanvas Render(LayerGridRequest r)
    {
        Validate(r);
        int h = r.Activation.Shape[1], w = r.Activation.Shape[2], channels = r.Activation.Shape[3];
        GridLayout grid = Layout(r);
        var (scale, step) = Sampling(h, w);
        int textScale = grid.Width >= 700 ? 2 : 1;
        string header = Header(r), sub = SubHeader(r);
        int textWidth = Math.Max(Math.Max(BitmapFont.Measure(header, textScale).Width, BitmapFont.Measure(sub, textScale).Width),
            r.RandomWeights ? BitmapFont.Measure(RandomWeightsText, textScale).Width : 0);
        int width = Math.Max(grid.Width, textWidth + 2 * Padding);
        int top = HeaderHeight(textScale, r.RandomWeights);
        var canvas = new RgbCanvas(width, top + grid.Height);
        canvas.Fill(Background);

        BitmapFont.Draw(canvas, Padding, Padding, header, Rgb.White, textScale);
        BitmapFont.Draw(canvas, Padding, Padding + BitmapFont.LineHeight * textScale, sub, new Rgb(190, 190, 190), textScale);
        if (r.RandomWeights) DrawBanner(canvas, 2 * BitmapFont.LineHeight * textScale + 2 * Padding, textScale);

        canvas.FillRect(0, top, grid.Width, grid.Height, Rgb.Separator);
        ReadOnlySpan<float> image = r.Activation.Image(0); // (H, W, C)
        ChannelScale scaleOf = ChannelScale.Compute(image, channels, r.SharedScale);
        // Row by row across all tiles: one activation row (W, C) stays in cache while every channel's tile row is drawn.
        for (int y = 0; y < h; y += step)
            for (int i = 0; i < grid.Count; i++)
            {
                var (x0, y0) = grid.TileOrigin(i);
                DrawTileRow(canvas, x0, top + y0, image, y, w, channels, r.First + i, scaleOf, scale, step, r.Colormap);
            }
        return canvas;
    }

    /// <summary>The red "random weights" band across the full width at row <paramref name="y"/>.</summary>
    public static void DrawBanner(RgbCanvas canvas, int y, int textScale)
    {
        canvas.FillRect(0, y, canvas.Width, BannerHeight(textScale), Rgb.Warning);
        BitmapFont.Draw(canvas, Padding, y + Padding, RandomWeightsText, Rgb.White, textScale);
    }

    /// <summary>
    /// Row <paramref name="y"/> of channel <paramref name="c"/>, colormapped and upscaled by <paramref name="scale"/>
    /// (repeated horizontally and copied down) or subsampled by <paramref name="step"/>, into the tile at (x0, y0).
    /// </summary>
    public static void DrawTileRow(RgbCanvas canvas, int x0, int y0, ReadOnlySpan<float> image, int y, int w, int channels,
        int c, ChannelScale channelScale, int scale, int step, Colormap colormap)
    {
        float min = channelScale.Min[c], gain = channelScale.Gain(c);
        byte[] lut = colormap.Lut;
        byte[] px = canvas.Pixels;
        int columns = (w + step - 1) / step;
        int rowBytes = columns * scale * 3;
        int dst = ((y0 + y / step * scale) * canvas.Width + x0) * 3;
        int o = dst;
        ReadOnlySpan<float> row = image.Slice(y * w * channels, w * channels); // (W, C)
        for (int x = 0; x < w; x += step)
        {
            int v = ChannelScale.ToIndex(row[x * channels + c], min, gain) * 3;
            for (int s = 0; s < scale; s++)
            {
                px[o] = lut[v]; px[o + 1] = lut[v + 1]; px[o + 2] = lut[v + 2];
                o += 3;
            }
        }
        for (int s = 1; s < scale; s++)
            Array.Copy(px, dst, px, dst + s * canvas.Width * 3, rowBytes);
    }

    private static void Validate(LayerGridRequest r)
    {
        if (r.Activation.Rank != 4 || r.Activation.Shape[0] < 1)
            throw new ArgumentException($"{r.LayerName}: expected an activation (N, H, W, C), got {ShapeMath.Format(r.Activation.Shape)}");
        int c = r.Activation.Shape[3];
        if (r.First < 0 || r.Last > c || r.First >= r.Last)
            throw new ArgumentException($"{r.LayerName}: channel range {r.First}-{r.Last} is outside 0-{c}");
    }
}
