using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Tests.Rendering;

public class GridTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 2, 2)]
    [InlineData(64, 8, 8)]
    [InlineData(128, 12, 11)]
    [InlineData(512, 23, 23)]
    public void NearSquareColumnsAndRows(int count, int columns, int rows)
    {
        var g = GridLayout.For(count, 10, 6, 2);
        Assert.Equal((columns, rows), (g.Columns, g.Rows));
        Assert.Equal(columns * 10 + (columns + 1) * 2, g.Width);
        Assert.Equal(rows * 6 + (rows + 1) * 2, g.Height);
        Assert.Equal((2, 2), g.TileOrigin(0));
        var last = g.TileOrigin(count - 1);
        Assert.Equal(2 + ((count - 1) % columns) * 12, last.X);
        Assert.Equal(2 + ((count - 1) / columns) * 8, last.Y);
    }

    [Theory]
    [InlineData(224, 1)]
    [InlineData(28, 1)]
    [InlineData(14, 2)]
    [InlineData(7, 4)]
    [InlineData(5, 6)]
    public void SmallMapsAreUpscaledToAtLeast28Pixels(int side, int scale) =>
        Assert.Equal(scale, GridLayout.UpscaleFor(side, LayerGridRenderer.MinimumTileSide));

    /// <summary>A (1, H, W, C) activation whose channel c is value(c, y, x).</summary>
    private static Tensor Activation(int h, int w, int c, Func<int, int, int, float> value)
    {
        var t = new Tensor(1, h, w, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++)
                    t.Data[(y * w + x) * c + k] = value(k, y, x);
        return t;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void TilesShowEachChannelNormalizedOnItsOwn(int channels)
    {
        // Channel k: a ramp over x scaled by (k+1), offset by k; channel 1 (if present) constant → drawn as index 0.
        var t = Activation(7, 9, channels, (k, y, x) => k == 1 ? 5f : (k + 1) * x + k + 0.1f * y);
        var request = new LayerGridRequest(3, "test_layer", t, 0, channels, Colormap.Viridis, false, false);
        var canvas = LayerGridRenderer.Render(request);
        var grid = LayerGridRenderer.Layout(request);
        int scale = grid.TileWidth / 9;
        Assert.Equal(4, scale); // 7-pixel-high maps are upscaled ×4
        int top = canvas.Height - grid.Height;
        for (int k = 0; k < channels; k++)
        {
            // Independent expectation: min and max of the channel by the formula, then round((v − min) / (max − min) · 255).
            float min = float.MaxValue, max = float.MinValue;
            for (int y = 0; y < 7; y++) for (int x = 0; x < 9; x++) { float v = t.Data[(y * 9 + x) * channels + k]; min = Math.Min(min, v); max = Math.Max(max, v); }
            var (ox, oy) = grid.TileOrigin(k);
            foreach (var (y, x) in new[] { (0, 0), (6, 8), (3, 4), (2, 7) })
            {
                float v = t.Data[(y * 9 + x) * channels + k];
                int expected = max == min ? 0 : (int)Math.Round((v - min) / (max - min) * 255, MidpointRounding.AwayFromZero);
                for (int dy = 0; dy < scale; dy += scale - 1)
                    for (int dx = 0; dx < scale; dx += scale - 1)
                    {
                        var got = canvas.GetPixel(ox + x * scale + dx, top + oy + y * scale + dy);
                        // ±1 index: float32 vs double rounding at exact halves.
                        bool near = Enumerable.Range(Math.Max(0, expected - 1), Math.Min(255, expected + 1) - Math.Max(0, expected - 1) + 1)
                            .Any(i => Colormap.Viridis[i] == got);
                        Assert.True(near, $"channel {k} ({y},{x}): expected viridis[{expected}] = {Colormap.Viridis[expected]}, got {got}");
                    }
            }
        }
        // Separators between tiles.
        Assert.Equal(Rgb.Separator, canvas.GetPixel(0, top));
    }

    [Fact]
    public void SharedScaleUsesOneRangeForTheLayer()
    {
        // Channel 0 spans 0..10, channel 1 spans 0..1: shared → channel 1's max maps to round(255/10) = 26.
        var t = Activation(4, 4, 2, (k, y, x) => (x == 3 && y == 3) ? (k == 0 ? 10f : 1f) : 0f);
        var request = new LayerGridRequest(0, "l", t, 0, 2, Colormap.Gray, true, false);
        var canvas = LayerGridRenderer.Render(request);
        var grid = LayerGridRenderer.Layout(request);
        int top = canvas.Height - grid.Height, scale = grid.TileWidth / 4;
        var (ox, oy) = grid.TileOrigin(1);
        Assert.Equal(26, canvas.GetPixel(ox + 3 * scale, top + oy + 3 * scale).R);
        var (ox0, oy0) = grid.TileOrigin(0);
        Assert.Equal(255, canvas.GetPixel(ox0 + 3 * scale, top + oy0 + 3 * scale).R);
    }

    [Fact]
    public void ChannelSubsetsAndBannerAreDrawn()
    {
        var t = Activation(14, 14, 512, (k, y, x) => k + x);
        var plain = LayerGridRenderer.Render(new LayerGridRequest(12, "block5_conv1", t, 100, 116, Colormap.Magma, false, false));
        var stamped = LayerGridRenderer.Render(new LayerGridRequest(12, "block5_conv1", t, 100, 116, Colormap.Magma, false, true));
        var grid = LayerGridRenderer.Layout(new LayerGridRequest(12, "block5_conv1", t, 100, 116, Colormap.Magma, false, false));
        Assert.Equal((4, 4), (grid.Columns, grid.Rows));
        Assert.True(stamped.Height > plain.Height);
        // The warning band is red across the picture's width.
        int bannerY = stamped.Height - grid.Height - LayerGridRenderer.BannerHeight(1) + 1;
        Assert.Equal(Rgb.Warning, stamped.GetPixel(stamped.Width - 1, bannerY));
        Assert.Throws<ArgumentException>(() => LayerGridRenderer.Render(new LayerGridRequest(0, "x", t, 500, 513, Colormap.Gray, false, false)));
    }

    [Fact]
    public void HugeMapsAreSubsampled()
    {
        // A native-size 1100×700 input: block1 maps are subsampled by 3 (every third pixel) to 367×234 tiles.
        var t = Activation(700, 1100, 2, (k, y, x) => k == 0 ? x : y);
        var request = new LayerGridRequest(0, "block1_conv1", t, 0, 2, Colormap.Gray, false, false);
        var grid = LayerGridRenderer.Layout(request);
        Assert.Equal((367, 234), (grid.TileWidth, grid.TileHeight));
        var canvas = LayerGridRenderer.Render(request);
        int top = canvas.Height - grid.Height;
        var (ox, oy) = grid.TileOrigin(0);
        // Tile pixel (u, v) shows source (3u, 3v): channel 0 is x, scaled 0..1099 → 0..255.
        Assert.Equal((int)Math.Round(300 * 255.0 / 1099), canvas.GetPixel(ox + 100, top + oy + 5).R, 1.0);
        Assert.Equal(255 * 1098 / 1099, canvas.GetPixel(ox + 366, top + oy).R, 1.0);
    }

    [Fact]
    public void FontDrawsEveryCharacterOfLayerLabels()
    {
        for (char ch = ' '; ch <= '~'; ch++)
            Assert.True(BitmapFont.HasGlyph(ch), $"no glyph for '{ch}'");
        var canvas = new RgbCanvas(40, 10);
        BitmapFont.Draw(canvas, 0, 0, "1", Rgb.White);
        // '1' is "..#.." on its first row and ".###." on its seventh.
        Assert.Equal(Rgb.White, canvas.GetPixel(2, 0));
        Assert.Equal(Rgb.Black, canvas.GetPixel(0, 0));
        Assert.Equal(Rgb.White, canvas.GetPixel(1, 6));
        Assert.Equal(Rgb.White, canvas.GetPixel(3, 6));
        Assert.Equal((17, 8), BitmapFont.Measure("abc"));
    }
}
