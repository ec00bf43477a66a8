using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>
/// Occlusion sensitivity maps (Zeiler &amp; Fergus Fig. 7), rows = y, one cell per occluder position.
/// </summary>
/// <param name="Activation">(Rows, Cols): total activation of <see cref="StrongestChannel"/> of the layer.</param>
/// <param name="Probability">(Rows, Cols): probability of <see cref="ClassIndex"/>; null without the top.</param>
/// <param name="Argmax">(Rows, Cols): the most probable class; null without the top.</param>
public sealed record OcclusionResult(
    string Layer, int Patch, int Stride, int Rows, int Cols,
    int StrongestChannel, float BaselineActivation, float[] Activation,
    int? ClassIndex, float? BaselineProbability, float[]? Probability, int[]? Argmax);

/// <summary>
/// Slides a grey square (the mean pixel: 0 after preprocessing) of side P over the image, top-left corners
/// 0, S, 2S, … while corner + P ≤ side, and records per position: the total activation of the layer's feature map
/// that is strongest (largest sum) on the unoccluded image, and with the top, the probability of class C (default:
/// the unoccluded top-1) and the argmax class. Occluded copies go through the backend in batches.
/// </summary>
public static class Occlusion
{
    /// <summary>Occluder corners along one side: 0, S, 2S, … while corner + P ≤ side.</summary>
    public static int[] Corners(int side, int patch, int stride)
    {
        var corners = new List<int>();
        for (int c = 0; c + patch <= side; c += stride) corners.Add(c);
        return corners.ToArray();
    }

    /// <param name="image">(1, H, W, 3) preprocessed (BGR, mean-subtracted).</param>
    /// <param name="classIndex">Class whose probability is mapped; null = the unoccluded top-1.</param>
    /// <param name="progress">Called with (done, total) after every batch.</param>
    public static OcclusionResult Run(IForwardBackend backend, Tensor image, string layer, int patch, int stride,
        int? classIndex = null, int batch = 8, Action<int, int>? progress = null)
    {
        var spec = ConvLayers.Find(layer);
        if (image.Rank != 4 || image.Shape[0] != 1 || image.Shape[3] != 3) throw new DeconvException($"occlusion needs one (1, H, W, 3) image, got {ShapeMath.Format(image.Shape)}");
        if (classIndex is not null && !backend.Weights.HasTop) throw new DeconvException("--class needs the classifier top (fc1, fc2, predictions) in the weights");
        return Run(backend.Forward, image, spec.Name, backend.Weights.HasTop ? Vgg16Architecture.ClassCount : null, patch, stride, classIndex, batch, fill: null, progress);
    }

    /// <summary>
    /// Occlusion on any network that runs a batch with a tap (a user's CNN: <c>CnnCpuBackend.Forward</c>).
    /// </summary>
    /// <param name="image">(1, H, W, C) as the network is fed.</param>
    /// <param name="layer">A layer with a feature-map output (N, h, w, c), already validated by the caller.</param>
    /// <param name="classCount">Classes the network's output scores (its last output is (N, classCount)); null: no class maps.</param>
    /// <param name="fill">The occluder's value per input channel (the grey pixel as fed); null: 0 (the mean pixel after VGG preprocessing).</param>
    public static OcclusionResult Run(Func<Tensor, ILayerTap, Tensor> forward, Tensor image, string layer, int? classCount, int patch, int stride,
        int? classIndex, int batch, float[]? fill, Action<int, int>? progress = null)
    {
        if (image.Rank != 4 || image.Shape[0] != 1) throw new DeconvException($"occlusion needs one (1, H, W, C) image, got {ShapeMath.Format(image.Shape)}");
        int h = image.Shape[1], w = image.Shape[2], ch = image.Shape[3];
        if (patch <= 0) throw new DeconvException($"--patch must be positive (got {patch})");
        if (stride <= 0) throw new DeconvException($"--stride must be positive (got {stride})");
        if (patch > h || patch > w) throw new DeconvException($"patch {patch} is larger than the {h}×{w} image");
        if (batch <= 0) throw new DeconvException($"batch must be positive (got {batch})");
        bool hasTop = classCount is not null;
        if (classIndex is not null && !hasTop) throw new DeconvException("--class needs a network whose output is a vector of class scores");
        if (classIndex is int k && (uint)k >= (uint)classCount!.Value) throw new DeconvException($"class {k} is out of range (0 … {classCount - 1})");
        if (fill is not null && fill.Length != ch) throw new ArgumentException($"fill has {fill.Length} values, the image {ch} channels");

        // The unoccluded image: which map is strongest, which class is top-1.
        var tap = new RecordingTap(new[] { layer });
        var output = forward(image, tap);
        var act0 = tap.Activations[layer];
        if (act0.Rank != 4) throw new DeconvException($"layer {layer} has a flat output: occlusion tracks a feature map");
        int channels = act0.Shape[3];
        var sums = ProjectionSeed.ChannelSums(act0.Image(0), channels);
        int strongest = ProjectionSeed.StrongestChannel(act0.Image(0), channels);
        int? klass = null; float? baseProb = null;
        if (hasTop)
        {
            klass = classIndex ?? ArgMax(output.Image(0));
            baseProb = output.Data[klass.Value];
        }

        var ys = Corners(h, patch, stride);
        var xs = Corners(w, patch, stride);
        int rows = ys.Length, cols = xs.Length, cells = rows * cols;
        var activation = new float[cells];             // (rows, cols)
        var probability = hasTop ? new float[cells] : null;
        var argmax = hasTop ? new int[cells] : null;
        int per = h * w * ch;
        var grey = new float[patch * ch];              // one occluder row (patch, C)
        if (fill is not null) for (int i = 0; i < grey.Length; i++) grey[i] = fill[i % ch];
        for (int start = 0; start < cells; start += batch)
        {
            int n = Math.Min(batch, cells - start);
            var occluded = new Tensor(n, h, w, ch); // (n, H, W, C)
            for (int i = 0; i < n; i++)
            {
                var dst = occluded.Data.AsSpan(i * per, per);
                image.Data.AsSpan(0, per).CopyTo(dst);
                int y0 = ys[(start + i) / cols], x0 = xs[(start + i) % cols];
                for (int y = y0; y < y0 + patch; y++) grey.CopyTo(dst.Slice((y * w + x0) * ch, patch * ch));
            }
            var batchTap = new RecordingTap(new[] { layer });
            var probs = forward(occluded, batchTap);
            var act = batchTap.Activations[layer];
            for (int i = 0; i < n; i++)
            {
                var map = act.Image(i);
                double sum = 0;
                for (int p = strongest; p < map.Length; p += channels) sum += map[p];
                activation[start + i] = (float)sum;
                if (hasTop)
                {
                    var row = probs.Image(i);
                    probability![start + i] = row[klass!.Value];
                    argmax![start + i] = ArgMax(row);
                }
            }
            progress?.Invoke(start + n, cells);
        }
        return new OcclusionResult(layer, patch, stride, rows, cols, strongest, (float)sums[strongest], activation,
            klass, baseProb, probability, argmax);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
