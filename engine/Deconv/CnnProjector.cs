using CnnEngine.Backends.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>
/// Zeiler &amp; Fergus's deconvnet on a user's CNN (<see cref="CnnModel"/>): maps one feature map's activity at any
/// conv, pool, activation, affine (BatchNormalization as an op, Rescaling) or ZeroPadding layer back to the input.
///
/// Going down layer by layer (the signal always lives at some layer's output, (h, w, c)):
///   conv (its activation fused):  the activation rule (<see cref="DeconvActivation"/>), then the transposed conv with
///                                  the layer's own kernel, stride and padding (asymmetric 'same' too), no bias;
///   max pool:                      each value goes back to the input pixel its switch names (any size and stride;
///                                  where windows overlap, values that share a switch add up);
///   average pool:                  each value is spread evenly over its window's pixels inside the image
///                                  (1/count each, the count Keras divides by);
///   activation layer:              the activation rule;
///   affine (y = x·s + t):          multiplied by s per channel;
///   ZeroPadding2D:                 the padding is cropped away.
/// The result is (1, H, W, C) in the model's input space as fed (after the caller's --preprocess, before the
/// model's own Rescaling, which is an affine step of the descent). This is the gradient of Σ(seed · A_L) with respect
/// to the input when every activation's backward is replaced by the rule and max pools route to their recorded
/// argmax — which is how tests/reference/keras_model_deconv_reference.py computes it with PyTorch autograd.
/// </summary>
public sealed class CnnProjector
{
    private readonly int _threads;

    public CnnModel Model { get; }

    /// <param name="threads">Degree of parallelism of the transposed convs; 0 = all cores.</param>
    public CnnProjector(CnnModel model, int threads = 0)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _threads = threads;
    }

    /// <summary>The layers a projection can start from: every layer whose output is still a feature map.</summary>
    public static IReadOnlyList<CnnLayer> ProjectableLayers(CnnModel model) => model.Layers.TakeWhile(l => !l.Output.Flat).ToArray();

    /// <summary>The layer named <paramref name="name"/>, or one clear line naming the layers a projection can start from.</summary>
    public static CnnLayer Find(CnnModel model, string name)
    {
        var layers = ProjectableLayers(model);
        var layer = layers.FirstOrDefault(l => l.Name == name);
        if (layer is not null) return layer;
        string valid = string.Join(", ", layers.Select(l => l.Name));
        if (model.Find(name) is { } flat)
            throw new DeconvException($"layer {name} ({flat.KerasClass}) has a flat output: projections start from a feature-map layer of {model.Name} ({valid})");
        throw new DeconvException($"{model.Name} has no layer '{name}' (feature-map layers: {valid})");
    }

    /// <summary>One clear line when <paramref name="channel"/> is not a channel of <paramref name="layer"/>.</summary>
    public static void CheckChannel(CnnLayer layer, int channel)
    {
        int c = layer.Output.Channels;
        if ((uint)channel >= (uint)c)
            throw new DeconvException($"channel {channel} is out of range for {layer.Name} (it has {c} channels: 0 … {c - 1})");
    }

    /// <summary>The layers a projection from <paramref name="layer"/> reads (their outputs and switches).</summary>
    public IReadOnlyList<string> LayersNeeded(string layer)
    {
        var target = Find(Model, layer);
        return Model.Layers.TakeWhile(l => l != target).Append(target).Select(l => l.Name).ToArray();
    }

    /// <summary>Runs the forward pass a projection needs on a preprocessed (1, H, W, C) input.</summary>
    public RecordingTap Record(ICnnBackend backend, Tensor input, string layer)
    {
        var tap = new RecordingTap(LayersNeeded(layer));
        backend.Forward(input, tap);
        return tap;
    }

    /// <summary>Projects channel k of <paramref name="layer"/> for image n of a recorded forward pass.</summary>
    public Projection Project(RecordingTap forward, string layer, int channel, ProjectionMode mode, int image = 0)
    {
        var (target, map) = Activation(forward, layer, channel, image);
        int h = target.Output.Height, w = target.Output.Width, c = target.Output.Channels;
        if (mode == ProjectionMode.Map)
        {
            var seed = new float[map.Length]; // (h, w, c), only channel k
            double sum = 0;
            for (int p = channel; p < map.Length; p += c) { seed[p] = map[p]; sum += map[p]; }
            return new Projection(layer, channel, mode, Down(forward, target, image, seed, guided: false), -1, -1, (float)sum);
        }
        var (y, x, value) = ProjectionSeed.Strongest(map, h, w, c, channel);
        return ProjectAt(forward, target, channel, y, x, value, mode, image);
    }

    /// <summary>One projection per strongest position of channel k, the n strongest first (map mode projects single positions, as max).</summary>
    public IReadOnlyList<Projection> ProjectTop(RecordingTap forward, string layer, int channel, int n, ProjectionMode mode = ProjectionMode.Max, int image = 0)
    {
        if (n <= 0) throw new DeconvException($"--top must be at least 1 (got {n})");
        var (target, map) = Activation(forward, layer, channel, image);
        return ProjectionSeed.Top(map, target.Output.Height, target.Output.Width, target.Output.Channels, channel, n)
            .Select(p => ProjectAt(forward, target, channel, p.Y, p.X, p.Value, mode == ProjectionMode.Map ? ProjectionMode.Max : mode, image))
            .ToArray();
    }

    /// <summary>Projects the single activation (y, x) of channel k (a dataset top-K entry).</summary>
    public Projection ProjectAt(RecordingTap forward, string layer, int channel, int y, int x, ProjectionMode mode = ProjectionMode.Max, int image = 0)
    {
        var (target, map) = Activation(forward, layer, channel, image);
        if ((uint)y >= (uint)target.Output.Height || (uint)x >= (uint)target.Output.Width)
            throw new DeconvException($"position ({y}, {x}) is outside {layer}'s {target.Output.Height}×{target.Output.Width} map");
        float value = map[(y * target.Output.Width + x) * target.Output.Channels + channel];
        return ProjectAt(forward, target, channel, y, x, value, mode == ProjectionMode.Map ? ProjectionMode.Max : mode, image);
    }

    private Projection ProjectAt(RecordingTap forward, CnnLayer target, int channel, int y, int x, float value, ProjectionMode mode, int image)
    {
        var seed = new float[target.Output.Elements]; // (h, w, c), one value
        seed[(y * target.Output.Width + x) * target.Output.Channels + channel] = value;
        return new Projection(target.Name, channel, mode, Down(forward, target, image, seed, mode == ProjectionMode.Guided), y, x, value);
    }

    private (CnnLayer Layer, float[] Map) Activation(RecordingTap forward, string layer, int channel, int image)
    {
        var target = Find(Model, layer);
        CheckChannel(target, channel);
        if (!forward.Activations.TryGetValue(layer, out var t))
            throw new InvalidOperationException($"the forward pass did not record {layer} (record it with CnnProjector.Record)");
        if ((uint)image >= (uint)t.Shape[0]) throw new ArgumentOutOfRangeException(nameof(image));
        return (target, t.Image(image).ToArray());
    }

    /// <summary>
    /// Sends <paramref name="seed"/> (h, w, c) at <paramref name="target"/>'s output down to the input: (1, H, W, C).
    /// </summary>
    public Tensor Down(RecordingTap forward, CnnLayer target, int image, float[] seed, bool guided)
    {
        int top = -1;
        for (int i = 0; i < Model.Layers.Count; i++) if (Model.Layers[i] == target) top = i;
        if (top < 0 || target.Output.Flat) throw new ArgumentException($"{target.Name} is not a feature-map layer of {Model.Name}");
        if (seed.Length != target.Output.Elements) throw new ArgumentException($"seed has {seed.Length} values, {target.Name} outputs {target.Output}");
        float[] signal = seed; // (h, w, c) at layer i's output
        for (int i = top; i >= 0; i--)
        {
            var layer = Model.Layers[i];
            var (inS, outS) = (layer.Input, layer.Output);
            switch (layer)
            {
                case ConvLayer conv:
                    DeconvActivation.Apply(conv.Activation, signal, guided ? Recorded(forward, layer, image) : default, guided);
                    var below = new float[inS.Elements]; // (H, W, Cin)
                    ConvTranspose2dGeneral.Run(signal, inS.Height, inS.Width, inS.Channels, conv.Window, conv.Kernel, outS.Channels, below, _threads);
                    signal = below;
                    break;
                case PoolLayer pool when pool.IsMax:
                    if (!forward.Switches.TryGetValue(pool.Name, out var switches))
                        throw new InvalidOperationException($"the forward pass did not record the switches of {pool.Name}");
                    signal = Unpool(signal, switches.Image(image), inS);
                    break;
                case PoolLayer pool:
                    signal = SpreadAverage(signal, inS, pool.Window);
                    break;
                case ActivationLayer act:
                    DeconvActivation.Apply(act.Activation, signal, guided ? Recorded(forward, layer, image) : default, guided);
                    break;
                case AffineLayer affine:
                    for (int p = 0; p < signal.Length; p++) signal[p] *= affine.Scale[affine.Scale.Length == 1 ? 0 : p % outS.Channels];
                    break;
                case ZeroPaddingLayer pad:
                    signal = Crop(signal, outS, pad, inS);
                    break;
                default:
                    throw new InvalidOperationException($"layer {layer.Name} ({layer.KerasClass}) cannot be projected through");
            }
        }
        return new Tensor(signal, 1, Model.Input.Height, Model.Input.Width, Model.Input.Channels);
    }

    private static ReadOnlySpan<float> Recorded(RecordingTap forward, CnnLayer layer, int image) =>
        forward.Activations.TryGetValue(layer.Name, out var t)
            ? t.Image(image)
            : throw new InvalidOperationException($"the forward pass did not record {layer.Name} (guided projections need it)");

    /// <summary>(OH, OW, C) → (H, W, C): each value to the pixel its switch names (flat y·W + x in the channel's plane).</summary>
    internal static float[] Unpool(ReadOnlySpan<float> signal, ReadOnlySpan<int> switches, FeatureShape input)
    {
        int c = input.Channels;
        var below = new float[input.Elements];
        for (int i = 0; i < signal.Length; i++)
        {
            if (signal[i] == 0) continue;
            below[switches[i] * c + i % c] += signal[i];
        }
        return below;
    }

    /// <summary>(OH, OW, C) → (H, W, C): each value divided evenly among its window's pixels inside the image.</summary>
    internal static float[] SpreadAverage(ReadOnlySpan<float> signal, FeatureShape input, Window2D window)
    {
        int h = input.Height, w = input.Width, c = input.Channels;
        int oh = window.OutHeight(h), ow = window.OutWidth(w);
        var below = new float[input.Elements];
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            int y0 = Math.Max(0, oy * window.StrideH - window.PadTop), y1 = Math.Min(h, oy * window.StrideH - window.PadTop + window.KernelH);
            int x0 = Math.Max(0, ox * window.StrideW - window.PadLeft), x1 = Math.Min(w, ox * window.StrideW - window.PadLeft + window.KernelW);
            int count = (y1 - y0) * (x1 - x0);
            if (count <= 0) continue;
            var g = signal.Slice((oy * ow + ox) * c, c);
            for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            for (int ch = 0; ch < c; ch++) below[(y * w + x) * c + ch] += g[ch] / count;
        }
        return below;
    }

    private static float[] Crop(float[] signal, FeatureShape padded, ZeroPaddingLayer pad, FeatureShape input)
    {
        var below = new float[input.Elements];
        int c = input.Channels;
        for (int y = 0; y < input.Height; y++)
            signal.AsSpan(((y + pad.Top) * padded.Width + pad.Left) * c, input.Width * c).CopyTo(below.AsSpan(y * input.Width * c));
        return below;
    }
}
