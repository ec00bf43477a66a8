using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>
/// Zeiler &amp; Fergus's deconvnet: maps one feature map's activity back to pixel space through the switches the
/// forward pass recorded.
///
/// Going down from layer L, layer by layer (the signal always lives at some layer's output):
///   at a conv layer's output:  rectify (ReLU on the backward signal), then transposed 3×3 conv with that layer's
///                              own filters, no bias → the signal at its input;
///   at a pool's output:        unpool by the pool's switches → the signal at its input.
/// After block1_conv1's transposed conv the signal is in the input space: (H, W, 3), BGR as fed. No rectification
/// there (the input has no ReLU). This is exactly the gradient of Σ(seed · A_L) with respect to the input when every
/// ReLU's backward is replaced by relu(grad) and max pooling routes to its recorded argmax (captum's Deconvolution):
/// the ReLU sits at each conv's output, so going down it is met before that conv's transpose.
/// Guided mode additionally keeps the signal only where the forward ReLU was open (activation &gt; 0).
///
/// Cost: a single-position seed (max, guided, top-N) has non-zero signal only inside its receptive field, so every
/// step runs on that rectangle only; the first transposed conv reads a single channel. A whole-map projection from
/// the deepest layer costs about one forward pass of the conv stack.
/// </summary>
public sealed class Projector : IDisposable
{
    /// <summary>
    /// A whole descent on a device (kernels/Deconv's IDeconvOps.Down): from a seed (H_L, W_L, C_L) at
    /// <paramref name="layer"/>'s output, with each pool's switches of one image, down to (H, W, 3).
    /// </summary>
    public delegate float[] DeviceDescent(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches, int height, int width);

    private readonly Vgg16Weights _weights;
    private readonly int _threads;
    private readonly DeviceDescent? _device;
    private readonly Dictionary<string, PackedConvTranspose3x3> _packed = new();
    private readonly object _packLock = new();

    /// <param name="threads">Degree of parallelism of the transposed convs; 0 = all cores.</param>
    /// <param name="device">When given, deconvnet projections (max, map, top-N) descend on that device; guided ones
    /// (which need the forward ReLU masks) stay on the CPU.</param>
    public Projector(Vgg16Weights weights, int threads = 0, DeviceDescent? device = null)
    {
        _weights = weights;
        _threads = threads;
        _device = device;
    }

    /// <summary>True when projections descend on a device.</summary>
    public bool OnDevice => _device is not null;

    /// <summary>The layers whose activations (and switches, for pools) a projection from <paramref name="layer"/> needs.</summary>
    public static IReadOnlyList<string> LayersNeeded(string layer) => ConvLayers.UpTo(layer).Select(l => l.Name).ToArray();

    /// <summary>Runs the forward pass a projection needs: a (1, H, W, 3) preprocessed input, recording every layer up to L.</summary>
    public static RecordingTap Record(IForwardBackend backend, Tensor input, string layer)
    {
        var tap = new RecordingTap(LayersNeeded(layer));
        backend.Forward(input, tap);
        return tap;
    }

    /// <summary>Projects channel k of layer L of image n of a recorded forward pass.</summary>
    public Projection Project(RecordingTap forward, string layer, int channel, ProjectionMode mode, int image = 0)
    {
        var (activation, h, w, c) = Activation(forward, layer, image);
        CheckChannel(layer, channel, c);
        if (mode == ProjectionMode.Map)
        {
            var seed = new float[h * w * c]; // (H_L, W_L, C_L), only channel k
            int y0 = h, y1 = 0, x0 = w, x1 = 0;
            double sum = 0;
            for (int p = 0; p < h * w; p++)
            {
                float v = activation[p * c + channel];
                seed[p * c + channel] = v;
                sum += v;
                if (v != 0) { y0 = Math.Min(y0, p / w); y1 = Math.Max(y1, p / w + 1); x0 = Math.Min(x0, p % w); x1 = Math.Max(x1, p % w + 1); }
            }
            var region = new ConvTranspose3x3.Region(y0, y1, x0, x1);
            var pixels = Down(forward, layer, image, seed, region, channel, guided: false);
            return new Projection(layer, channel, mode, pixels, -1, -1, (float)sum);
        }
        var (y, x, value) = ProjectionSeed.Strongest(activation, h, w, c, channel);
        return ProjectAt(forward, layer, channel, y, x, mode, image);
    }

    /// <summary>Projects the single activation (y, x) of channel k (everything else zeroed).</summary>
    public Projection ProjectAt(RecordingTap forward, string layer, int channel, int y, int x, ProjectionMode mode = ProjectionMode.Max, int image = 0)
    {
        var (activation, h, w, c) = Activation(forward, layer, image);
        CheckChannel(layer, channel, c);
        if ((uint)y >= (uint)h || (uint)x >= (uint)w) throw new DeconvException($"position ({y}, {x}) is outside {layer}'s {h}×{w} map");
        var seed = new float[h * w * c]; // (H_L, W_L, C_L), one non-zero
        float value = activation[(y * w + x) * c + channel];
        seed[(y * w + x) * c + channel] = value;
        var pixels = Down(forward, layer, image, seed, new ConvTranspose3x3.Region(y, y + 1, x, x + 1), channel, mode == ProjectionMode.Guided);
        return new Projection(layer, channel, mode == ProjectionMode.Map ? ProjectionMode.Max : mode, pixels, y, x, value);
    }

    /// <summary>One projection per strongest position of channel k, the n strongest first.</summary>
    public IReadOnlyList<Projection> ProjectTop(RecordingTap forward, string layer, int channel, int n, ProjectionMode mode = ProjectionMode.Max, int image = 0)
    {
        if (n <= 0) throw new DeconvException($"--top must be at least 1 (got {n})");
        var (activation, h, w, c) = Activation(forward, layer, image);
        CheckChannel(layer, channel, c);
        return ProjectionSeed.Top(activation, h, w, c, channel, n)
            .Select(p => ProjectAt(forward, layer, channel, p.Y, p.X, mode == ProjectionMode.Map ? ProjectionMode.Max : mode, image))
            .ToArray();
    }

    private static (float[] Activation, int H, int W, int C) Activation(RecordingTap forward, string layer, int image)
    {
        ConvLayers.Find(layer);
        if (!forward.Activations.TryGetValue(layer, out var t))
            throw new InvalidOperationException($"the forward pass did not record {layer} (record it with Projector.Record)");
        if ((uint)image >= (uint)t.Shape[0]) throw new ArgumentOutOfRangeException(nameof(image));
        return (t.Image(image).ToArray(), t.Shape[1], t.Shape[2], t.Shape[3]);
    }

    private static void CheckChannel(string layer, int channel, int channels)
    {
        if ((uint)channel >= (uint)channels)
            throw new DeconvException($"channel {channel} is out of range for {layer} (it has {channels} channels: 0 … {channels - 1})");
    }

    /// <summary>
    /// Sends <paramref name="seed"/> (H_L, W_L, C_L), non-zero only inside <paramref name="region"/> and in channel
    /// <paramref name="channel"/>, down to the input. Returns (1, H, W, 3).
    /// </summary>
    private Tensor Down(RecordingTap forward, string layer, int image, float[] seed, ConvTranspose3x3.Region region, int channel, bool guided)
    {
        var layers = ConvLayers.UpTo(layer);
        var input = forward.Activations[layers[0].Name]; // block1_conv1 output has the input's (H, W)
        int inH = input.Shape[1], inW = input.Shape[2];
        var sizes = ConvLayers.OutputSizes(inH, inW);
        if (_device is not null && !guided)
        {
            var switches = layers.Where(l => l.IsPool).ToDictionary(l => l.Name, l => forward.Switches.TryGetValue(l.Name, out var sw)
                ? sw.Image(image).ToArray()
                : throw new InvalidOperationException($"the forward pass did not record the switches of {l.Name}"));
            return new Tensor(_device(layer, seed, switches, inH, inW), 1, inH, inW, 3);
        }

        // Intermediate signals live in pooled buffers (a projection from block5 passes 12.8 MB planes around);
        // only the final (H, W, 3) is a fresh array the caller keeps.
        var pool = System.Buffers.ArrayPool<float>.Shared;
        float[] signal = seed;                          // (h, w, c) at the current layer's output
        int length = seed.Length;
        bool rented = false;
        int channelStart = channel, channelCount = 1;   // only these channels can be non-zero
        bool rectified = false;                         // the signal was already rectified (before an unpool)
        try
        {
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                var spec = layers[i];
                var (h, w) = sizes[i];
                float[] next;
                int nextLength;
                if (spec.IsConv)
                {
                    if (guided) RectifyGuided.Run(signal.AsSpan(0, length), forward.Activations[spec.Name].Image(image));
                    else if (!rectified) Rectify.Run(signal.AsSpan(0, length));
                    rectified = false;
                    nextLength = h * w * spec.InChannels;  // (h, w, Cin): the signal at this conv's input
                    next = i == 0 ? new float[nextLength] : pool.Rent(nextLength);
                    ConvTranspose3x3.Run(signal.AsSpan(0, length), h, w, Packed(spec), next.AsSpan(0, nextLength), region, channelStart, channelCount, _threads);
                    region = region.IsEmpty ? region : region.Grow(1, h, w);
                    channelStart = 0; channelCount = spec.InChannels;
                }
                else
                {
                    var (H, W) = i == 0 ? (inH, inW) : sizes[i - 1];
                    if (!forward.Switches.TryGetValue(spec.Name, out var switches))
                        throw new InvalidOperationException($"the forward pass did not record the switches of {spec.Name}");
                    nextLength = H * W * spec.OutChannels; // (H, W, C)
                    next = pool.Rent(nextLength);
                    // Unpooling only places values (and zeros), so it commutes with rectification: rectify the 4× smaller
                    // pooled signal here instead of the unpooled one at the conv below (not for guided: its mask is per pixel).
                    if (!guided && i > 0 && layers[i - 1].IsConv) { Rectify.Run(signal.AsSpan(0, length)); rectified = true; }
                    Unpool2x2.Run(signal.AsSpan(0, length), switches.Image(image), H, W, spec.OutChannels, next.AsSpan(0, nextLength));
                    region = new ConvTranspose3x3.Region(2 * region.Y0, Math.Min(H, 2 * region.Y1), 2 * region.X0, Math.Min(W, 2 * region.X1));
                }
                if (rented) pool.Return(signal);
                signal = next; length = nextLength; rented = i != 0 || !spec.IsConv;
                // Once the signal fills (most of) the plane in every channel (a whole-map projection right after its
                // first, single-channel step), the rest runs in padded buffers like the forward pass: no crops, no
                // padding copies, ReLU fused into the transposed convs, a dedicated 64 → 3 last step.
                if (spec.IsConv && i > 0 && !guided && 4L * (region.Y1 - region.Y0) * (region.X1 - region.X0) >= 3L * h * w &&
                    PaddedDescent.Available(layers, i - 1, Packed))
                    return new Tensor(PaddedDescent.Run(signal.AsSpan(0, length), layers, i - 1, sizes, inH, inW, Packed, forward, image, _threads),
                        1, inH, inW, 3);
            }
            rented = false; // the last step (block1_conv1's transpose) wrote a fresh array
            return new Tensor(signal, 1, inH, inW, 3);
        }
        finally
        {
            if (rented) pool.Return(signal);
        }
    }

    public void Dispose()
    {
        lock (_packLock)
        {
            foreach (var p in _packed.Values) p.Dispose();
            _packed.Clear();
        }
    }

    private PackedConvTranspose3x3 Packed(LayerSpec spec)
    {
        lock (_packLock)
        {
            if (!_packed.TryGetValue(spec.Name, out var packed))
            {
                var lw = _weights[spec.Name];
                packed = PackedConvTranspose3x3.Pack(lw.Kernel.Span, spec.InChannels, spec.OutChannels);
                _packed[spec.Name] = packed;
            }
            return packed;
        }
    }
}
