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

        float[] cells = CellMeans(image, h, w, channels, cell, rows, cols); // (cell, cell, C)
        for (int c = 0; c < channels; c++)
        {
            var (x0, y0) = grid.TileOrigin(c);
            float min = scale.Min[c], gain = scale.Gain(c);
            for (int v = 0; v < cell; v++)
            {
                int dst = (offsetY + y0 + v) * Side + offsetX + x0;
                for (int u = 0; u < cell; u++)
                    indices[dst + u] = ChannelScale.ToIndex(cells[(v * cell + u) * channels + c], min, gain);
            }
        }
        FrameText.DrawHeader(indices, Side, r.Colormap, new[] { layer.Name, ShapeMath.Format(activation.Shape) }, TextScale, r.RandomWeights);
        return new GifFrame(indices, Side, height, r.Colormap.Lut, r.FrameDelayMs);
    }

    /// <summary>
    /// Each cell's mean over its source box, all channels at once (H, W, C) → (cell, cell, C). Shrinking, the
    /// boxes partition the map, so one pass over the activation in memory order suffices; enlarging, each cell
    /// takes its nearest source pixel.
    /// </summary>
    private static float[] CellMeans(ReadOnlySpan<float> image, int h, int w, int channels, int cell,
        (int Start, int End)[] rows, (int Start, int End)[] cols)
    {
        var cells = new float[cell * cell * channels];
        if (cell <= h && cell <= w)
        {
            var rowOf = new int[h];
            var colOf = new int[w];
            for (int v = 0; v < cell; v++) for (int y = rows[v].Start; y < rows[v].End; y++) rowOf[y] = v;
            for (int u = 0; u < cell; u++) for (int x = cols[u].Start; x < cols[u].End; x++) colOf[x] = u;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var source = image.Slice((y * w + x) * channels, channels);
                    var target = cells.AsSpan((rowOf[y] * cell + colOf[x]) * channels, channels);
                    System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
                }
            for (int v = 0; v < cell; v++)
                for (int u = 0; u < cell; u++)
                {
                    float inverse = 1f / ((rows[v].End - rows[v].Start) * (cols[u].End - cols[u].Start));
                    var target = cells.AsSpan((v * cell + u) * channels, channels);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(target, inverse, target);
                }
        }
        else
        {
            for (int v = 0; v < cell; v++)
                for (int u = 0; u < cell; u++)
                    image.Slice((rows[v].Start * w + cols[u].Start) * channels, channels)
                        .CopyTo(cells.AsSpan((v * cell + u) * channels, channels));
        }
        return cells;
    }
}
