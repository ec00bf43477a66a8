using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Animation;

/// <summary>What the journey shows: the input photo, then each layer in order.</summary>
public sealed record JourneyRequest(RgbCanvas Input, IReadOnlyList<(LayerSpec Layer, Tensor Activation)> Layers,
    Colormap Colormap, bool SharedScale, bool RandomWeights, int FrameDelayMs);

/// <summary>
/// journey.gif: the input photo (median-cut quantized), then one frame per layer with all its channels in a
/// near-square grid fitted into a fixed square (box-averaged when shrinking, nearest when enlarging), labelled with
/// the layer name and shape. Activation frames use the colormap itself as their palette — no quantization.
/// </summary>
public static class JourneyAnimation
{
    public const int Side = 512;
    public const int TextScale = 2;
    public const int Separator = 1;

    public static int FrameHeight(bool randomWeights) => Side + FrameText.HeaderHeight(2, TextScale, randomWeights);

    public static IReadOnlyList<GifFrame> BuildFrames(JourneyRequest r)
    {
        var frames = new GifFrame[r.Layers.Count + 1];
        Parallel.For(0, frames.Length, i =>
        {
            frames[i] = i == 0 ? InputFrame(r) : LayerFrame(r, r.Layers[i - 1].Layer, r.Layers[i - 1].Activation);
        });
        return frames;
    }

    private static GifFrame InputFrame(JourneyRequest r)
    {
        int top = FrameText.HeaderHeight(2, TextScale, r.RandomWeights);
        var canvas = new RgbCanvas(Side, top + Side);
        canvas.Fill(Rgb.Black);
        double fit = Math.Min((double)Side / r.Input.Width, (double)Side / r.Input.Height);
        int w = Math.Max(1, (int)Math.Round(r.Input.Width * fit)), h = Math.Max(1, (int)Math.Round(r.Input.Height * fit));
        canvas.Blit(Resample.Bilinear(r.Input, w, h), (Side - w) / 2, top + (Side - h) / 2);
        FrameText.DrawHeader(canvas, new[] { "input", $"{r.Input.Width}x{r.Input.Height} RGB" }, TextScale, r.RandomWeights);
        var (indices, palette) = MedianCutQuantizer.Quantize(canvas.Pixels, canvas.Width, canvas.Height);
        return new GifFrame(indices, canvas.Width, canvas.Height, palette, r.FrameDelayMs);
    }

    private static GifFrame LayerFrame(JourneyRequest r, LayerSpec layer, Tensor activation)
    {
        int top = FrameText.HeaderHeight(2, TextScale, r.RandomWeights);
        int height = top + Side;
        var indices = new byte[Side * height]; // (H, W), 0 = darkest: separators and background
        int h = activation.Shape[1], w = activation.Shape[2], channels = activation.Shape[3];
        ReadOnlySpan<float> image = activation.Image(0); // (H, W, C)
        var scale = ChannelScale.Compute(image, channels, r.SharedScale);

        var probe = GridLayout.For(channels, 1, 1, Separator);
        int cell = Math.Max(1, (Side - (probe.Columns + 1) * Separator) / probe.Columns);
        var grid = GridLayout.For(channels, cell, cell, Separator);
        int offsetX = (Side - grid.Width) / 2, offsetY = top + (Side - grid.Height) / 2;
        var rows = Resample.Spans(h, cell);
        var cols = Resample.Spans(w, cell);

        for (int c = 0; c < channels; c++)
        {
            var (x0, y0) = grid.TileOrigin(c);
            float min = scale.Min[c], gain = scale.Gain(c);
            for (int v = 0; v < cell; v++)
            {
                var (ya, yb) = rows[v];
                int dst = (offsetY + y0 + v) * Side + offsetX + x0;
                for (int u = 0; u < cell; u++)
                {
                    var (xa, xb) = cols[u];
                    float sum = 0;
                    for (int y = ya; y < yb; y++)
                        for (int x = xa; x < xb; x++)
                            sum += image[(y * w + x) * channels + c];
                    indices[dst + u] = ChannelScale.ToIndex(sum / ((yb - ya) * (xb - xa)), min, gain);
                }
            }
        }
        FrameText.DrawHeader(indices, Side, r.Colormap, new[] { layer.Name, ShapeMath.Format(activation.Shape) }, TextScale, r.RandomWeights);
        return new GifFrame(indices, Side, height, r.Colormap.Lut, r.FrameDelayMs);
    }
}
