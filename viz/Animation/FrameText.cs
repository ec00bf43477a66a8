using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Animation;

/// <summary>Label bands at the top of animation frames, for RGB frames and for colormap-indexed frames.</summary>
internal static class FrameText
{
    public const int Padding = 5;

    public static int BandHeight(int lines, int scale) => lines * BitmapFont.LineHeight * scale + 2 * Padding;

    /// <summary>Height of the label band plus, for random weights, the warning band.</summary>
    public static int HeaderHeight(int lines, int scale, bool randomWeights) =>
        BandHeight(lines, scale) + (randomWeights ? BandHeight(1, scale) : 0);

    public static void DrawHeader(RgbCanvas canvas, IReadOnlyList<string> lines, int scale, bool randomWeights)
    {
        int band = BandHeight(lines.Count, scale);
        canvas.FillRect(0, 0, canvas.Width, band, Rgb.Black);
        for (int i = 0; i < lines.Count; i++)
            BitmapFont.Draw(canvas, Padding, Padding + i * BitmapFont.LineHeight * scale, lines[i], Rgb.White, scale);
        if (randomWeights)
        {
            canvas.FillRect(0, band, canvas.Width, BandHeight(1, scale), Rgb.Warning);
            BitmapFont.Draw(canvas, Padding, band + Padding, LayerGridRenderer.RandomWeightsText, Rgb.White, scale);
        }
    }

    /// <summary>
    /// The same header on a frame of colormap indices: the band is the colormap's darkest entry (index 0)
    /// and the text its entry nearest to white, so the frame keeps the colormap as its exact palette.
    /// The warning band, for random weights, inverts them.
    /// </summary>
    public static void DrawHeader(byte[] indices, int width, Colormap colormap, IReadOnlyList<string> lines, int scale, bool randomWeights)
    {
        byte dark = 0, light = (byte)colormap.Nearest(Rgb.White);
        int band = BandHeight(lines.Count, scale);
        int height = indices.Length / width;
        indices.AsSpan(0, band * width).Fill(dark);
        for (int i = 0; i < lines.Count; i++)
            BitmapFont.Draw(indices, width, height, Padding, Padding + i * BitmapFont.LineHeight * scale, lines[i], light, scale);
        if (randomWeights)
        {
            int warning = BandHeight(1, scale);
            indices.AsSpan(band * width, warning * width).Fill(light);
            BitmapFont.Draw(indices, width, height, Padding, band + Padding, LayerGridRenderer.RandomWeightsText, dark, scale);
        }
    }
}
