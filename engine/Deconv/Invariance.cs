using System.Globalization;
using CnnEngine.Backends;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

public enum InvarianceTransform { Translate, Scale, Rotate }

/// <summary>One transformed copy: the parameter and how far its features moved.</summary>
/// <param name="Block1Distance">‖block1_pool(original) − block1_pool(transformed)‖₂ (layer 1's output in the paper).</param>
/// <param name="Fc2Distance">‖fc2(original) − fc2(transformed)‖₂ (layer 7).</param>
/// <param name="Probability">Probability of the original image's top-1 class.</param>
public sealed record InvariancePoint(double Parameter, double Block1Distance, double Fc2Distance, float Probability);

/// <param name="EarlyLayer">The layer behind <see cref="InvariancePoint.Block1Distance"/> (block1_pool for VGG16).</param>
/// <param name="DenseLayer">The layer behind <see cref="InvariancePoint.Fc2Distance"/> (fc2 for VGG16).</param>
public sealed record InvarianceResult(InvarianceTransform Transform, int OriginalClass, float OriginalProbability, IReadOnlyList<InvariancePoint> Points,
    string EarlyLayer = "block1_pool", string DenseLayer = "fc2");

/// <summary>
/// Zeiler &amp; Fergus Fig. 5: how the features of layer 1 (block1 output) and layer 7 (fc2), and the top-1
/// probability, change as the image is translated, scaled or rotated. Transforms act on the preprocessed input, so
/// uncovered pixels become 0 — the mean pixel, the same grey the occluder uses. Sampling is bilinear.
/// </summary>
public static class Invariance
{
    public static InvarianceTransform ParseTransform(string text) => text.ToLowerInvariant() switch
    {
        "translate" => InvarianceTransform.Translate,
        "scale" => InvarianceTransform.Scale,
        "rotate" => InvarianceTransform.Rotate,
        _ => throw new DeconvException($"unknown --transform '{text}' (translate, scale or rotate)"),
    };

    /// <summary>Default sweep: translate −60…60 px (step 10), scale 0.6…1.4 (0.1), rotate 0…360° (15°).</summary>
    public static string DefaultRange(InvarianceTransform t) => t switch
    {
        InvarianceTransform.Translate => "-60:60:10",
        InvarianceTransform.Scale => "0.6:1.4:0.1",
        _ => "0:360:15",
    };

    /// <summary>"START:STOP:STEP", STOP included.</summary>
    public static double[] ParseRange(string text, InvarianceTransform t)
    {
        var parts = text.Split(':');
        var values = new double[3];
        if (parts.Length != 3 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
            throw new DeconvException($"invalid --range '{text}': expected START:STOP:STEP, e.g. {DefaultRange(t)}");
        double start = values[0], stop = values[1], step = values[2];
        // double.TryParse accepts "NaN" and "Infinity": a sweep needs three finite numbers.
        if (!values.All(double.IsFinite))
            throw new DeconvException($"invalid --range '{text}': START, STOP and STEP must be finite numbers");
        if (!(step > 0) || stop < start || (stop - start) / step > 1000)
            throw new DeconvException($"invalid --range '{text}': need STEP > 0, STOP ≥ START and at most 1000 steps");
        if (t == InvarianceTransform.Scale && start <= 0) throw new DeconvException($"invalid --range '{text}': scale factors must be positive");
        int n = (int)Math.Floor((stop - start) / step + 1e-9) + 1;
        return Enumerable.Range(0, n).Select(i => Math.Round(start + i * step, 10)).ToArray();
    }

    /// <param name="image">(1, 224, 224, 3) preprocessed; the backend's weights need the top.</param>
    public static InvarianceResult Run(IForwardBackend backend, Tensor image, InvarianceTransform transform, IReadOnlyList<double> parameters, int batch = 8)
    {
        if (parameters.Count == 0) throw new DeconvException("--range gives no values");
        return Run(backend.Forward, image, transform, parameters, "block1_pool", "fc2", batch);
    }

    /// <summary>
    /// Invariance on any network that runs a batch with a tap (a user's CNN): the distances at
    /// <paramref name="earlyLayer"/> (Z&amp;F's layer 1) and <paramref name="denseLayer"/> (their layer 7: the last hidden
    /// dense layer), and the score of the original top-1 class in the network's (N, classes) output.
    /// </summary>
    /// <param name="image">(1, H, W, C) as the network is fed; uncovered pixels become 0.</param>
    public static InvarianceResult Run(Func<Tensor, ILayerTap, Tensor> forward, Tensor image, InvarianceTransform transform, IReadOnlyList<double> parameters,
        string earlyLayer, string denseLayer, int batch = 8)
    {
        if (parameters.Count == 0) throw new DeconvException("--range gives no values");
        if (batch <= 0) throw new DeconvException($"--batch must be positive (got {batch})");
        var layers = new[] { earlyLayer, denseLayer };
        var tap = new RecordingTap(layers);
        var probs0 = forward(image, tap);
        if (probs0.Rank != 2 || !tap.Activations.ContainsKey(earlyLayer) || !tap.Activations.ContainsKey(denseLayer))
            throw new DeconvException($"invariance needs the classifier top: class outputs and the layers {earlyLayer} and {denseLayer}");
        var early = tap.Activations[earlyLayer].Data;
        var dense = tap.Activations[denseLayer].Data;
        int top1 = 0;
        for (int i = 1; i < probs0.Data.Length; i++) if (probs0.Data[i] > probs0.Data[top1]) top1 = i;

        var points = new List<InvariancePoint>();
        for (int start = 0; start < parameters.Count; start += batch)
        {
            int n = Math.Min(batch, parameters.Count - start);
            int per = image.Data.Length;
            var x = new Tensor(n, image.Shape[1], image.Shape[2], image.Shape[3]);
            for (int i = 0; i < n; i++) Apply(image, transform, parameters[start + i], x.Data.AsSpan(i * per, per));
            var t = new RecordingTap(layers);
            var probs = forward(x, t);
            for (int i = 0; i < n; i++)
                points.Add(new InvariancePoint(parameters[start + i],
                    Distance(early, t.Activations[earlyLayer].Image(i)), Distance(dense, t.Activations[denseLayer].Image(i)), probs.Image(i)[top1]));
        }
        return new InvarianceResult(transform, top1, probs0.Data[top1], points, earlyLayer, denseLayer);
    }

    /// <summary>
    /// Writes the transformed copy of an (1, H, W, C) image into <paramref name="output"/> (H, W, C), about the image
    /// centre: translate shifts right by <paramref name="parameter"/> pixels, scale zooms by the factor, rotate turns
    /// clockwise on screen by the angle in degrees.
    /// </summary>
    public static void Apply(Tensor image, InvarianceTransform transform, double parameter, Span<float> output)
    {
        int h = image.Shape[1], w = image.Shape[2], channels = image.Shape[3];
        var src = image.Data;
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
        double cos = 1, sin = 0, scale = 1, dx = 0;
        switch (transform)
        {
            case InvarianceTransform.Translate: dx = parameter; break;
            case InvarianceTransform.Scale: scale = parameter; break;
            case InvarianceTransform.Rotate: cos = Math.Cos(parameter * Math.PI / 180); sin = Math.Sin(parameter * Math.PI / 180); break;
        }
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            // inverse map: where in the original does this output pixel come from
            double ox = x - cx - dx, oy = y - cy;
            double sx = (cos * ox + sin * oy) / scale + cx;
            double sy = (-sin * ox + cos * oy) / scale + cy;
            for (int c = 0; c < channels; c++) output[(y * w + x) * channels + c] = Bilinear(src, h, w, channels, sy, sx, c);
        }
    }

    private static float Bilinear(float[] src, int h, int w, int channels, double y, double x, int c)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        double v = 0;
        for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++)
        {
            int yy = y0 + dy, xx = x0 + dx;
            if ((uint)yy >= (uint)h || (uint)xx >= (uint)w) continue; // outside: the mean pixel (0)
            double weight = (dy == 0 ? 1 - fy : fy) * (dx == 0 ? 1 - fx : fx);
            v += weight * src[(yy * w + xx) * channels + c];
        }
        return (float)v;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; sum += d * d; }
        return Math.Sqrt(sum);
    }
}
