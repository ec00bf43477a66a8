using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Live;

/// <summary>Where each channel's tile sits in a layer's atlas picture (the page maps clicks back with it).</summary>
/// <param name="Step">Subsampling of the map in the atlas (large maps are shown every Step-th pixel; the channel view is full size).</param>
public sealed record AtlasLayout(int Channels, int Columns, int Rows, int TileWidth, int TileHeight, int Gap, int Step)
{
    public int Width => Columns * (TileWidth + Gap) + Gap;
    public int Height => Rows * (TileHeight + Gap) + Gap;
    public (int X, int Y) Origin(int channel) => (Gap + channel % Columns * (TileWidth + Gap), Gap + channel / Columns * (TileHeight + Gap));
}

/// <summary>
/// A layer's channels as one picture: near-square grid of tiles, each channel scaled by its own min..max through
/// the colormap (the same rule as the CLI's layer grids), no header. Tiles are at most <see cref="MaxTileSide"/>
/// pixels (block1's 224² maps are subsampled by 4, block2's by 2) so a grid stays quick to encode; the page enlarges small maps.
/// </summary>
public static class LayerAtlas
{
    public const int MaxTileSide = 64;
    public const int Gap = 1;

    public static AtlasLayout Layout(int height, int width, int channels)
    {
        int step = (Math.Max(height, width) + MaxTileSide - 1) / MaxTileSide;
        int columns = (int)Math.Ceiling(Math.Sqrt(channels));
        int rows = (channels + columns - 1) / columns;
        return new AtlasLayout(channels, columns, rows, (width + step - 1) / step, (height + step - 1) / step, Gap, step);
    }

    /// <param name="activation">(1, H, W, C).</param>
    public static RgbCanvas Render(Tensor activation, Colormap colormap)
    {
        int h = activation.Shape[1], w = activation.Shape[2], c = activation.Shape[3];
        var layout = Layout(h, w, c);
        var canvas = new RgbCanvas(layout.Width, layout.Height);
        canvas.Fill(Rgb.Separator);
        ReadOnlySpan<float> image = activation.Image(0); // (H, W, C)
        var scale = ChannelScale.Compute(image, c, shared: false);
        for (int y = 0; y < h; y += layout.Step)
            for (int k = 0; k < c; k++)
            {
                var (x0, y0) = layout.Origin(k);
                LayerGridRenderer.DrawTileRow(canvas, x0, y0, image, y, w, c, k, scale, 1, layout.Step, colormap);
            }
        return canvas;
    }

    /// <summary>One channel at full size, scaled by its own min..max.</summary>
    public static RgbCanvas Channel(Tensor activation, int channel, Colormap colormap)
    {
        int h = activation.Shape[1], w = activation.Shape[2], c = activation.Shape[3];
        var canvas = new RgbCanvas(w, h);
        ReadOnlySpan<float> image = activation.Image(0);
        var scale = ChannelScale.Compute(image, c, shared: false);
        for (int y = 0; y < h; y++) LayerGridRenderer.DrawTileRow(canvas, 0, 0, image, y, w, c, channel, scale, 1, 1, colormap);
        return canvas;
    }

    /// <summary>Channel k of an (1, H, W, C) activation as (H, W) float32, little-endian bytes.</summary>
    public static byte[] ChannelValues(Tensor activation, int channel)
    {
        int h = activation.Shape[1], w = activation.Shape[2], c = activation.Shape[3];
        ReadOnlySpan<float> image = activation.Image(0);
        var values = new float[h * w]; // (H, W)
        for (int p = 0; p < values.Length; p++) values[p] = image[p * c + channel];
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("channel values are sent little-endian");
        return bytes;
    }
}
