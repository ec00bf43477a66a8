using System.Globalization;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Rendering;

namespace CnnEngine.Viz.Animation;

/// <summary>What the zoom shows.</summary>
/// <param name="Target">Zoom center in input pixels (x, y), pixel-index coordinates; null = the receptive-field
/// center of the strongest unit of the deepest layer.</param>
/// <param name="Fields">Receptive field of each layer by name; null = VGG16's.</param>
public sealed record ZoomRequest(RgbCanvas Input, IReadOnlyList<(LayerSpec Layer, Tensor Activation)> Layers,
    Colormap Colormap, bool SharedScale, bool RandomWeights, (double X, double Y)? Target,
    IReadOnlyDictionary<string, ReceptiveField>? Fields = null);

/// <summary>Where the zoom goes and what each step shows (exposed for tests and the report).</summary>
public sealed record ZoomPlan((double X, double Y) Target, ReceptiveField TargetField, string TargetLayer,
    IReadOnlyList<ZoomStep> Steps);

/// <summary>One layer of the zoom: the channel most active at the unit nearest to the target, and that unit.</summary>
public sealed record ZoomStep(LayerSpec Layer, Tensor Activation, ReceptiveField Field, int Channel, int UnitX, int UnitY);

/// <summary>
/// zoom.gif: starts on the input photo (with the target's receptive field outlined), then zooms toward the target
/// while crossfading, one step per layer, into the next deeper layer's most active channel at that spot. Each
/// layer is drawn in input coordinates — unit (i, j) paints the jump×jump square around its receptive-field center —
/// so the layers line up with the photo beneath them. The window shrinks geometrically from the whole picture to
/// <see cref="FinalWindowInJumps"/> of the deepest layer's jumps across.
/// Pure layer frames use the colormap as their palette; photo and blended frames are median-cut quantized.
/// Timing is its own (not --frame-delay, which is the journey's): each fade is <see cref="FadeFrames"/> short frames, so
/// the whole zoom through VGG16's 13 conv layers lasts about 7 s and moves smoothly instead of as a slideshow.
/// </summary>
public static class ZoomAnimation
{
    public const int Side = 256;
    public const int FadeFrames = 6;
    public const int HoldFrames = 2;
    public const double FinalWindowInJumps = 3;

    /// <summary>Each fade frame: 13 layers x 6 frames x 70 ms = 5.5 s of zoom.</summary>
    public const int FadeFrameDelayMs = 70;

    /// <summary>Each hold frame (photo at the start, deepest layer at the end): 4 x 400 ms = 1.6 s.</summary>
    public const int HoldFrameDelayMs = 400;

    public static ZoomPlan Plan(ZoomRequest r)
    {
        if (r.Layers.Count == 0) throw new ArgumentException("the zoom needs at least one layer");
        var fields = r.Fields ?? ReceptiveField.Build(Vgg16Architecture.ConvBase);
        var (deepLayer, deepActivation) = r.Layers[^1];
        ReceptiveField deepField = fields[deepLayer.Name];
        (double X, double Y) target;
        if (r.Target is { } t) target = t;
        else
        {
            var (ux, uy, _) = Strongest(deepActivation);
            target = (deepField.Center(ux), deepField.Center(uy));
        }
        var steps = new List<ZoomStep>();
        foreach (var (layer, activation) in r.Layers)
        {
            var field = fields[layer.Name];
            int h = activation.Shape[1], w = activation.Shape[2];
            int ux = field.NearestUnit(target.X, w), uy = field.NearestUnit(target.Y, h);
            steps.Add(new ZoomStep(layer, activation, field, MostActiveChannel(activation, ux, uy), ux, uy));
        }
        return new ZoomPlan(target, deepField, deepLayer.Name, steps);
    }

    /// <summary>Position and channel of the largest activation (first in row-major order on ties).</summary>
    public static (int X, int Y, int Channel) Strongest(Tensor activation)
    {
        int w = activation.Shape[2], c = activation.Shape[3];
        ReadOnlySpan<float> image = activation.Image(0);
        int best = 0;
        for (int i = 1; i < image.Length; i++) if (image[i] > image[best]) best = i;
        int pixel = best / c;
        return (pixel % w, pixel / w, best % c);
    }

    /// <summary>The channel with the largest activation at unit (x, y); if all are zero there, the channel with the largest mean.</summary>
    public static int MostActiveChannel(Tensor activation, int x, int y)
    {
        int w = activation.Shape[2], c = activation.Shape[3];
        ReadOnlySpan<float> image = activation.Image(0);
        ReadOnlySpan<float> at = image.Slice((y * w + x) * c, c);
        int best = 0;
        for (int k = 1; k < c; k++) if (at[k] > at[best]) best = k;
        if (at[best] > 0) return best;
        var sums = new double[c];
        for (int i = 0; i < image.Length; i++) sums[i % c] += image[i];
        best = 0;
        for (int k = 1; k < c; k++) if (sums[k] > sums[best]) best = k;
        return best;
    }

    public static IReadOnlyList<GifFrame> BuildFrames(ZoomRequest r) => BuildFrames(r, Plan(r));

    public static IReadOnlyList<GifFrame> BuildFrames(ZoomRequest r, ZoomPlan plan)
    {
        // Frame schedule: hold the photo, fade through each layer (the last fade frame is the pure layer), hold the end.
        var schedule = new List<(int From, int To, double Alpha)>(); // layer −1 = the photo
        for (int i = 0; i < HoldFrames; i++) schedule.Add((-1, -1, 0));
        for (int k = 0; k < plan.Steps.Count; k++)
            for (int f = 1; f <= FadeFrames; f++) schedule.Add((k - 1, k, (double)f / FadeFrames));
        for (int i = 0; i < HoldFrames; i++) schedule.Add((plan.Steps.Count - 1, plan.Steps.Count - 1, 1));

        double fullSide = Math.Max(r.Input.Width, r.Input.Height);
        double finalSide = Math.Min(fullSide, FinalWindowInJumps * plan.Steps[^1].Field.Jump);
        var start = (X: (r.Input.Width - 1) / 2.0, Y: (r.Input.Height - 1) / 2.0);
        int moving = schedule.Count - 2 * HoldFrames;
        var scales = plan.Steps.Select(s => ChannelScale.Compute(s.Activation, r.SharedScale)).ToArray();

        var frames = new GifFrame[schedule.Count];
        Parallel.For(0, schedule.Count, i =>
        {
            double t = Math.Clamp((i - HoldFrames + 1) / (double)moving, 0, 1);
            double side = fullSide * Math.Pow(finalSide / fullSide, t);
            double cx = start.X + (plan.Target.X - start.X) * t, cy = start.Y + (plan.Target.Y - start.Y) * t;
            var window = (X0: cx - side / 2, Y0: cy - side / 2, Side: side);
            int delay = i < HoldFrames || i >= schedule.Count - HoldFrames ? HoldFrameDelayMs : FadeFrameDelayMs;
            frames[i] = RenderFrame(r, plan, scales, schedule[i], window, i < HoldFrames, delay);
        });
        return frames;
    }

    private static GifFrame RenderFrame(ZoomRequest r, ZoomPlan plan, ChannelScale[] scales, (int From, int To, double Alpha) s,
        (double X0, double Y0, double Side) window, bool outlineTarget, int delayMs)
    {
        int top = FrameText.HeaderHeight(1, 1, r.RandomWeights);
        int height = top + Side;
        string label = s.To < 0 ? "input" : Label(plan.Steps[s.To]);
        if (s.To >= 0 && s.Alpha >= 1)
        {
            var indices = new byte[Side * height]; // (H, W)
            LayerIndices(plan.Steps[s.To], scales[s.To], window, indices.AsSpan(top * Side));
            FrameText.DrawHeader(indices, Side, r.Colormap, new[] { label }, 1, r.RandomWeights);
            return new GifFrame(indices, Side, height, r.Colormap.Lut, delayMs);
        }

        var canvas = new RgbCanvas(Side, height);
        Span<byte> body = canvas.Pixels.AsSpan(top * Side * 3);
        var from = new byte[Side * Side * 3];
        if (s.From < 0) PhotoPixels(r.Input, window, from);
        else LayerPixels(plan.Steps[s.From], scales[s.From], r.Colormap, window, from);
        if (s.To < 0) from.CopyTo(body);
        else
        {
            var to = new byte[Side * Side * 3];
            LayerPixels(plan.Steps[s.To], scales[s.To], r.Colormap, window, to);
            int a = (int)Math.Round(s.Alpha * 256);
            for (int i = 0; i < to.Length; i++) body[i] = (byte)((from[i] * (256 - a) + to[i] * a + 128) >> 8);
        }
        if (outlineTarget) OutlineField(canvas, top, plan, window);
        FrameText.DrawHeader(canvas, new[] { label }, 1, r.RandomWeights);
        var (q, palette) = MedianCutQuantizer.Quantize(canvas.Pixels, Side, height);
        return new GifFrame(q, Side, height, palette, delayMs);
    }

    public static string Label(ZoomStep step) => string.Create(CultureInfo.InvariantCulture,
        $"{step.Layer.Name} ch {step.Channel}  rf {step.Field.Size}px");

    /// <summary>Input coordinate (pixel-index) sampled by output pixel o of the window.</summary>
    private static double Sample(double origin, double side, int o) => origin + (o + 0.5) * side / Side - 0.5;

    private static void PhotoPixels(RgbCanvas input, (double X0, double Y0, double Side) window, Span<byte> rgb)
    {
        for (int v = 0; v < Side; v++)
        {
            int y = (int)Math.Round(Sample(window.Y0, window.Side, v));
            for (int u = 0; u < Side; u++)
            {
                int x = (int)Math.Round(Sample(window.X0, window.Side, u));
                int o = (v * Side + u) * 3;
                if ((uint)x < (uint)input.Width && (uint)y < (uint)input.Height)
                {
                    int i = (y * input.Width + x) * 3;
                    rgb[o] = input.Pixels[i]; rgb[o + 1] = input.Pixels[i + 1]; rgb[o + 2] = input.Pixels[i + 2];
                }
                else { rgb[o] = rgb[o + 1] = rgb[o + 2] = 0; }
            }
        }
    }

    /// <summary>Colormap indices of a step's channel over the window, each unit covering its jump-square.</summary>
    private static void LayerIndices(ZoomStep step, ChannelScale scale, (double X0, double Y0, double Side) window, Span<byte> indices)
    {
        int h = step.Activation.Shape[1], w = step.Activation.Shape[2], c = step.Activation.Shape[3];
        ReadOnlySpan<float> image = step.Activation.Image(0);
        float min = scale.Min[step.Channel], gain = scale.Gain(step.Channel);
        Span<int> unitX = stackalloc int[Side];
        for (int u = 0; u < Side; u++) unitX[u] = step.Field.NearestUnit(Sample(window.X0, window.Side, u), w);
        for (int v = 0; v < Side; v++)
        {
            int uy = step.Field.NearestUnit(Sample(window.Y0, window.Side, v), h);
            for (int u = 0; u < Side; u++)
                indices[v * Side + u] = ChannelScale.ToIndex(image[(uy * w + unitX[u]) * c + step.Channel], min, gain);
        }
    }

    private static void LayerPixels(ZoomStep step, ChannelScale scale, Colormap colormap, (double X0, double Y0, double Side) window, Span<byte> rgb)
    {
        var indices = new byte[Side * Side];
        LayerIndices(step, scale, window, indices);
        for (int i = 0; i < indices.Length; i++)
        {
            int k = indices[i] * 3;
            rgb[3 * i] = colormap.Lut[k]; rgb[3 * i + 1] = colormap.Lut[k + 1]; rgb[3 * i + 2] = colormap.Lut[k + 2];
        }
    }

    /// <summary>Outlines the deepest layer's receptive field around the target on the opening photo frames.</summary>
    private static void OutlineField(RgbCanvas canvas, int top, ZoomPlan plan, (double X0, double Y0, double Side) window)
    {
        double half = plan.TargetField.Size / 2.0;
        double k = Side / window.Side;
        int x0 = (int)Math.Round((plan.Target.X + 0.5 - half - window.X0) * k), x1 = (int)Math.Round((plan.Target.X + 0.5 + half - window.X0) * k);
        int y0 = (int)Math.Round((plan.Target.Y + 0.5 - half - window.Y0) * k), y1 = (int)Math.Round((plan.Target.Y + 0.5 + half - window.Y0) * k);
        x0 = Math.Clamp(x0, 0, Side - 1); x1 = Math.Clamp(x1, 0, Side - 1);
        y0 = Math.Clamp(y0, 0, Side - 1); y1 = Math.Clamp(y1, 0, Side - 1);
        var color = Rgb.White;
        canvas.FillRect(x0, top + y0, x1 - x0 + 1, 1, color);
        canvas.FillRect(x0, top + y1, x1 - x0 + 1, 1, color);
        canvas.FillRect(x0, top + y0, 1, y1 - y0 + 1, color);
        canvas.FillRect(x1, top + y0, 1, y1 - y0 + 1, color);
        // The target itself: a small cross.
        int tx = (int)Math.Round((plan.Target.X + 0.5 - window.X0) * k), ty = (int)Math.Round((plan.Target.Y + 0.5 - window.Y0) * k);
        canvas.FillRect(tx - 4, top + ty, 9, 1, color);
        canvas.FillRect(tx, top + ty - 4, 1, 9, color);
    }
}
