using CnnEngine.Viz.Animation;

namespace CnnEngine.Viz.Tests.Animation;

public class QuantizerTests
{
    [Fact]
    public void FewColorsAreKeptExactly()
    {
        // 5 distinct colors, each a multiple of 8 so the 5-bit bins hold one color each: the palette reproduces them.
        var colors = new[] { (0, 0, 0), (248, 0, 0), (0, 248, 8), (16, 32, 200), (128, 128, 128) };
        int w = 50, h = 4;
        var rgb = new byte[w * h * 3];
        for (int p = 0; p < w * h; p++) { var c = colors[p % 5]; rgb[3 * p] = (byte)c.Item1; rgb[3 * p + 1] = (byte)c.Item2; rgb[3 * p + 2] = (byte)c.Item3; }
        var (indices, palette) = MedianCutQuantizer.Quantize(rgb, w, h);
        for (int p = 0; p < w * h; p++)
            for (int c = 0; c < 3; c++) Assert.Equal(rgb[3 * p + c], palette[3 * indices[p] + c]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASmoothPhotoLikePictureStaysClose(bool dither)
    {
        // A smooth 3-D gradient has far more than 256 colors; median cut must keep the mean error small.
        int w = 128, h = 96;
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                rgb[3 * p] = (byte)(x * 2); rgb[3 * p + 1] = (byte)(y * 255 / h); rgb[3 * p + 2] = (byte)((x + y) % 256);
            }
        var (indices, palette) = MedianCutQuantizer.Quantize(rgb, w, h, 256, dither);
        Assert.True(indices.Distinct().Count() > 200, "uses most of the palette");
        double error = 0;
        for (int p = 0; p < w * h; p++)
            for (int c = 0; c < 3; c++) error += Math.Abs(rgb[3 * p + c] - palette[3 * indices[p] + c]);
        error /= w * h * 3;
        Assert.True(error < 8, $"mean absolute error {error:0.00} per channel");
    }
}
