using System.Runtime.Intrinsics;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Cpu;

/// <summary>
/// VGG16 on the CPU: the layer list of <see cref="Vgg16Weights.Layers"/> run with the SIMD kernels of
/// CnnEngine.Ops (3×3 convolution with fused bias + ReLU — Winograd F(4×4, 3×3) where it wins, with its transformed
/// weights packed where they are small and transformed per task from the Keras kernel where they are large, the
/// register-blocked direct kernel elsewhere, see <see cref="ConvAlgorithmChoice"/> —, max pool with switches, dense streaming the
/// Keras-layout weights in place, softmax), all cores.
///
/// Buffers: activations live in two reusable ping-pong buffers kept between calls, in a zero-bordered padded
/// layout the convolution reads directly (no padding copy per layer), each sized for the layers that land in it
/// (<see cref="PlanScratch"/>: with block1_conv2 fused into its pool, only one buffer ever holds a 224×224×64 map).
/// A fused pool whose switches nobody wants writes none. A layer a tap wants is copied out into a
/// fresh (N, H, W, C) tensor — or into the tap's own array when it lends one (<see cref="ILayerBufferLender"/>) —
/// that is handed to the tap and never touched again. Forward calls on one instance
/// are serialized (the buffers are shared). Batches run as one parallel job per layer (tasks over images too).
/// </summary>
public sealed class CpuBackend : IForwardBackend
{
    private readonly Dictionary<string, PackedConv3x3> _convs = new();
    private readonly Dictionary<string, PackedWinograd3x3> _winograd = new();
    /// <summary>Packed F(4×4) weights Auto adds at large batches (<see cref="ConvAlgorithmChoice.LargeBatch"/>), made on first use.</summary>
    private readonly Dictionary<string, PackedWinograd3x3> _largeBatchWinograd = new();
    private readonly ConvPolicy _policy;
    private readonly int _threads;
    private readonly object _forwardLock = new();
    private float[] _ping = Array.Empty<float>(), _pong = Array.Empty<float>();
    private float[] _inputChunk = Array.Empty<float>(); // (chunk, H + 2, padded W, 3): the input of one chunk of the first block
    private int[] _switchScratch = Array.Empty<int>();
    private bool _disposed;

    public string DeviceId => "cpu";
    public string DeviceName { get; }
    public Vgg16Weights Weights { get; }
    /// <summary>Worker threads used by every kernel.</summary>
    public int Threads => _threads;

    /// <summary>The algorithm each conv layer runs with at batch 1, by layer name (larger batches: <see cref="ConvAlgorithmAt"/>).</summary>
    public IReadOnlyDictionary<string, ConvAlgorithm> ConvAlgorithms { get; }

    /// <summary>The algorithm <paramref name="layerName"/> runs with in a forward of <paramref name="batch"/> images.</summary>
    public ConvAlgorithm ConvAlgorithmAt(string layerName, int batch)
    {
        var layer = Weights.Layers.FirstOrDefault(l => l.Name == layerName && l.IsConv) ?? throw new ArgumentException($"{layerName} is not a conv layer of this model", nameof(layerName));
        return ConvAlgorithmChoice.For(layer, _policy, batch, Weights.HasTop);
    }

    /// <param name="threads">Worker threads; 0 (or less) = all cores.</param>
    public CpuBackend(Vgg16Weights weights, int threads = 0) : this(weights, threads, ConvPolicy.Auto) { }

    /// <param name="threads">Worker threads; 0 (or less) = all cores.</param>
    /// <param name="policy">Which convolution algorithms may be used (only the chosen one's weights are kept).</param>
    public CpuBackend(Vgg16Weights weights, int threads, ConvPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
        _policy = policy;
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        var algorithms = new Dictionary<string, ConvAlgorithm>();
        foreach (var layer in weights.Layers)
        {
            if (!layer.IsConv) continue;
            var w = weights[layer.Name];
            algorithms[layer.Name] = ConvAlgorithmChoice.For(layer, policy);
            switch (algorithms[layer.Name])
            {
                case ConvAlgorithm.Winograd:
                    _winograd[layer.Name] = PackedWinograd3x3.Pack(w.Kernel.Span, w.Bias.Span, layer.InChannels, layer.OutChannels);
                    break;
                case ConvAlgorithm.WinogradOnTheFly: // pins the Keras kernel, which Weights keeps alive as long as this backend
                    _winograd[layer.Name] = PackedWinograd3x3.InPlace(w.Kernel, w.Bias.Span, layer.InChannels, layer.OutChannels);
                    break;
                case ConvAlgorithm.Winograd2x2OnTheFly:
                    _winograd[layer.Name] = PackedWinograd3x3.InPlace(w.Kernel, w.Bias.Span, layer.InChannels, layer.OutChannels, WinogradTile.F2x2);
                    break;
                default:
                    _convs[layer.Name] = PackedConv3x3.Pack(w.Kernel.Span, w.Bias.Span, layer.InChannels, layer.OutChannels);
                    break;
            }
        }
        ConvAlgorithms = algorithms;
        string width = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "no SIMD";
        DeviceName = $"{CpuModelName()} ({width}, {_threads} thread{(_threads == 1 ? "" : "s")})";
    }

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        InputShape.Validate(input, Weights.HasTop);
        lock (_forwardLock) return ForwardLocked(input, tap);
    }

    /// <summary>
    /// Where one layer's output lives: (N, H, W, C) starting at <see cref="Offset"/> (pixel (0, 0) of image 0), rows
    /// <see cref="RowStride"/> and images <see cref="ImageStride"/> floats apart. Inside the ping-pong buffers the
    /// layout is padded — (N, H + 2, max(W, 14) + 2, C) with a zero border — so the next convolution reads it as is.
    /// </summary>
    private readonly record struct Activations(float[] Array, int Offset, int ImageStride, int RowStride, int Height, int Width, int Channels)
    {
        public static Activations Padded(float[] array, int images, int height, int width, int channels)
        {
            int rowStride = Conv3x3.PaddedWidth(width) * channels;
            if ((long)images * (height + 2) * rowStride > array.Length) // PlanScratch sized the buffers; the kernels write through raw pointers
                throw new InvalidOperationException($"scratch buffer of {array.Length} floats is too small for ({images}, {height} + 2, {rowStride}): PlanScratch and the forward disagree");
            return new(array, rowStride + channels, (height + 2) * rowStride, rowStride, height, width, channels);
        }

        public static Activations Dense(float[] array, int height, int width, int channels) =>
            new(array, 0, height * width * channels, width * channels, height, width, channels);

        public bool IsDense => RowStride == Width * Channels && Offset == 0;
    }

    private unsafe Tensor ForwardLocked(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0];
        var layers = Weights.Layers;
        EnsureScratch(n, input.Shape[1], input.Shape[2], tap);

        Activations current;
        int first; // the first layer the loop below runs
        int chunk = FirstBlockChunk(n, input.Shape[1], input.Shape[2], tap);
        if (chunk < n)
        {
            current = FirstBlockInChunks(input, chunk);
            first = FirstBlockLayers;
        }
        else
        {
            // The input goes into the first ping-pong buffer, padded for block1_conv1.
            current = Activations.Padded(_ping, n, input.Shape[1], input.Shape[2], 3);
            CopyInput(input, 0, n, current);
            first = 0;
        }

        Tensor? result = null;
        for (int li = first; li < layers.Count; li++)
        {
            var layer = layers[li];
            bool wanted = tap is not null && tap.Wants(layer.Name);
            bool nextIsSpatial = li + 1 < layers.Count && !layers[li + 1].IsDense;
            switch (layer.Kind)
            {
                case LayerKind.Conv3x3Relu:
                {
                    var winograd = WinogradAt(layer, n);
                    if (winograd is { } fusable && Fuses(layers, li, current.Height, current.Width))
                    {
                        // Conv + the pool after it in one pass: the conv output is written only for a tap that wants it.
                        current = ConvAndPool(current, n, layer, layers[li + 1], fusable, wanted ? tap : null, tap, li + 1 == layers.Count - 1 ? null : layers[li + 2]);
                        li++;
                        if (li == layers.Count - 1) result = new Tensor(current.Array, n, current.Height, current.Width, current.Channels);
                        break;
                    }
                    var output = Activations.Padded(OtherScratch(current.Array), n, current.Height, current.Width, layer.OutChannels);
                    ZeroBorders(output, n);
                    fixed (float* src = current.Array) fixed (float* dst = output.Array)
                    {
                        float* padded = src + current.Offset - current.RowStride - current.Channels; // padded (0, 0) of image 0
                        if (winograd is not null)
                            Conv3x3Winograd.RunPadded(padded, current.ImageStride, current.RowStride, n, current.Height, current.Width, winograd,
                                dst + output.Offset, output.ImageStride, output.RowStride, relu: true, _threads);
                        else
                            Conv3x3.RunPadded(padded, current.ImageStride, current.RowStride, n, current.Height, current.Width, _convs[layer.Name],
                                dst + output.Offset, output.ImageStride, output.RowStride, relu: true, _threads);
                    }
                    current = output;
                    if (wanted) tap!.OnActivation(layer, CopyOut(current, n, TapTensor(tap, layer, n, current.Height, current.Width, current.Channels)));
                    break;
                }
                case LayerKind.MaxPool2x2:
                {
                    int oh = current.Height / 2, ow = current.Width / 2, c = current.Channels;
                    // Feeding a conv: padded, in the other ping-pong buffer. Feeding fc1 or returned: a fresh dense tensor.
                    var output = nextIsSpatial
                        ? Activations.Padded(OtherScratch(current.Array), n, oh, ow, c)
                        : Activations.Dense(new float[n * oh * ow * c], oh, ow, c);
                    if (nextIsSpatial) ZeroBorders(output, n);
                    int[] switches = wanted ? new int[n * oh * ow * c] : _switchScratch; // (N, H/2, W/2, C)
                    if (switches.Length < (long)n * oh * ow * c) // written through a raw pointer: PlanScratch sized it
                        throw new InvalidOperationException($"switch scratch of {switches.Length} ints is too small for {layer.Name}: PlanScratch and the forward disagree");
                    fixed (float* src = current.Array) fixed (float* dst = output.Array) fixed (int* sw = switches)
                        MaxPool2x2.RunStrided(src + current.Offset, current.ImageStride, current.RowStride, n, current.Height, current.Width, c,
                            dst + output.Offset, output.ImageStride, output.RowStride, sw, _threads);
                    current = output;
                    if (wanted)
                    {
                        tap!.OnSwitches(layer, new IntTensor(switches, n, oh, ow, c));
                        tap.OnActivation(layer, current.IsDense ? new Tensor(current.Array, n, oh, ow, c) : CopyOut(current, n, TapTensor(tap, layer, n, oh, ow, c)));
                    }
                    if (li == layers.Count - 1) result = new Tensor(current.Array, n, oh, ow, c);
                    break;
                }
                case LayerKind.Dense:
                {
                    int inFeatures = current.Height * current.Width * current.Channels; // channels-last flatten of (N, H, W, C)
                    if (inFeatures != layer.InChannels)
                        throw new InputShapeException($"{layer.Name} needs {layer.InChannels} inputs but the conv base gives {inFeatures}");
                    if (!current.IsDense) throw new InvalidOperationException("dense layer after a padded activation");
                    var lw = Weights[layer.Name];
                    var output = new float[n * layer.OutChannels]; // (N, K): small, always fresh
                    Dense.Run(current.Array.AsSpan(0, n * inFeatures), n, inFeatures, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, output,
                        relu: layer.Activation == Activation.Relu, _threads);
                    if (layer.Activation == Activation.Softmax) Softmax.Run(output, n, layer.OutChannels);
                    current = Activations.Dense(output, 1, 1, layer.OutChannels);
                    var tensor = new Tensor(output, n, layer.OutChannels);
                    if (wanted) tap!.OnActivation(layer, tensor);
                    result = tensor;
                    break;
                }
            }
        }
        return result ?? throw new InvalidOperationException("VGG16 ends with a pool or a dense layer");
    }

    /// <summary>
    /// A Winograd conv and the max pool after it, fused (<see cref="Conv3x3Winograd"/>): the pooled maxima go to the other
    /// ping-pong buffer (padded, when a conv follows) or a fresh dense tensor (feeding fc1 or returned); the conv output
    /// goes straight into a fresh tensor only when <paramref name="convTap"/> wants it. Taps see what the unfused
    /// layers gave them, in the same order.
    /// </summary>
    private unsafe Activations ConvAndPool(Activations current, int n, LayerSpec conv, LayerSpec pool, PackedWinograd3x3 packed,
        ILayerTap? convTap, ILayerTap? tap, LayerSpec? afterPool)
    {
        int h = current.Height, w = current.Width, c = conv.OutChannels, oh = h / 2, ow = w / 2;
        bool poolWanted = tap is not null && tap.Wants(pool.Name);
        bool nextIsSpatial = afterPool is not null && !afterPool.IsDense;
        var pooled = nextIsSpatial
            ? Activations.Padded(OtherScratch(current.Array), n, oh, ow, c)
            : Activations.Dense(new float[n * oh * ow * c], oh, ow, c);
        if (nextIsSpatial) ZeroBorders(pooled, n);
        var convTensor = convTap is not null ? TapTensor(convTap, conv, n, h, w, c) : null; // (N, H, W, C), dense, the tap's own
        int[]? switches = poolWanted ? new int[n * oh * ow * c] : null; // (N, H/2, W/2, C); none written when unwanted
        fixed (float* src = current.Array) fixed (float* dst = pooled.Array) fixed (int* sw = switches) fixed (float* convOut = convTensor?.Data)
        {
            float* padded = src + current.Offset - current.RowStride - current.Channels;
            Conv3x3Winograd.RunPadded(padded, current.ImageStride, current.RowStride, n, h, w, packed,
                convOut, (nint)h * w * c, (nint)w * c, relu: true, _threads,
                new Conv3x3Winograd.PoolTarget(dst + pooled.Offset, pooled.ImageStride, pooled.RowStride, sw));
        }
        if (convTensor is not null) convTap!.OnActivation(conv, convTensor);
        if (poolWanted)
        {
            tap!.OnSwitches(pool, new IntTensor(switches!, n, oh, ow, c));
            tap.OnActivation(pool, pooled.IsDense ? new Tensor(pooled.Array, n, oh, ow, c) : CopyOut(pooled, n, TapTensor(tap, pool, n, oh, ow, c)));
        }
        return pooled;
    }

    /// <summary>
    /// Where a wanted layer is delivered: the tap's lent array when it lends one (<see cref="ILayerBufferLender"/>),
    /// otherwise a fresh tensor. Every element is overwritten by the caller.
    /// </summary>
    private static Tensor TapTensor(ILayerTap tap, LayerSpec layer, int n, int h, int w, int c)
    {
        if (tap is not ILayerBufferLender lender) return new Tensor(n, h, w, c);
        int floats = checked(n * h * w * c);
        float[] lent = lender.Lend(layer, floats);
        if (lent is null || lent.Length != floats) // kernels write it through a raw pointer
            throw new ArgumentException($"the tap lent {lent?.Length ?? 0} floats for {layer.Name}, which needs exactly {floats} ({n}×{h}×{w}×{c})");
        return new Tensor(lent, n, h, w, c);
    }

    /// <summary>A dense (N, H, W, C) copy of a padded activation into <paramref name="tensor"/>, for a tap.</summary>
    private static Tensor CopyOut(Activations a, int n, Tensor tensor)
    {
        int row = a.Width * a.Channels;
        for (int i = 0; i < n; i++)
        for (int y = 0; y < a.Height; y++)
            a.Array.AsSpan(a.Offset + i * a.ImageStride + y * a.RowStride, row).CopyTo(tensor.Data.AsSpan((i * a.Height + y) * row, row));
        return tensor;
    }

    /// <summary>The first block's layers: block1_conv1, block1_conv2, block1_pool.</summary>
    private const int FirstBlockLayers = 3;

    /// <summary>
    /// Images per chunk of the first block (block1_conv1, then block1_conv2 fused with block1_pool), or
    /// <paramref name="n"/> for the whole batch at once. Chunks of half the batch keep block1_conv1's 224×224×64 output
    /// for half the images only (52 MB less at batch 8); block2_conv1's output, which shares that buffer, is then the
    /// larger one. Only when the conv fuses with its pool and the tap wants none of the three layers (they would have
    /// to be gathered from the chunks).
    /// </summary>
    private int FirstBlockChunk(int n, int height, int width, ILayerTap? tap)
    {
        var layers = Weights.Layers;
        if (n < 2 || layers.Count < 4 || !layers[0].IsConv || !layers[1].IsConv || !Fuses(layers, 1, height, width)) return n;
        for (int li = 0; li < FirstBlockLayers; li++)
            if (tap is not null && tap.Wants(layers[li].Name)) return n;
        return (n + 1) / 2;
    }

    /// <summary>
    /// The first block over the batch in chunks of <paramref name="chunk"/> images: each chunk's input goes into
    /// <see cref="_inputChunk"/>, block1_conv1 writes the other buffer (the pong), and block1_conv2 fused with
    /// block1_pool writes the chunk's pooled maxima straight into their images' place in the ping, which ends up
    /// holding block1_pool for the whole batch, padded for block2_conv1.
    /// </summary>
    private unsafe Activations FirstBlockInChunks(Tensor input, int chunk)
    {
        var layers = Weights.Layers;
        LayerSpec conv1 = layers[0], conv2 = layers[1];
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2];
        var pooled = Activations.Padded(_ping, n, h / 2, w / 2, conv2.OutChannels); // (N, H/2 + 2, ·, 64)
        ZeroBorders(pooled, n);
        var packed = WinogradAt(conv2, n)!;
        for (int i0 = 0; i0 < n; i0 += chunk)
        {
            int count = Math.Min(chunk, n - i0);
            var x = Activations.Padded(_inputChunk, count, h, w, 3);
            CopyInput(input, i0, count, x);
            var y = Activations.Padded(_pong, count, h, w, conv1.OutChannels);
            ZeroBorders(y, count);
            fixed (float* src = x.Array) fixed (float* mid = y.Array) fixed (float* dst = pooled.Array)
            {
                float* paddedX = src + x.Offset - x.RowStride - x.Channels;
                if (WinogradAt(conv1, n) is { } winograd1)
                    Conv3x3Winograd.RunPadded(paddedX, x.ImageStride, x.RowStride, count, h, w, winograd1, mid + y.Offset, y.ImageStride, y.RowStride, relu: true, _threads);
                else
                    Conv3x3.RunPadded(paddedX, x.ImageStride, x.RowStride, count, h, w, _convs[conv1.Name], mid + y.Offset, y.ImageStride, y.RowStride, relu: true, _threads);
                float* paddedY = mid + y.Offset - y.RowStride - y.Channels;
                Conv3x3Winograd.RunPadded(paddedY, y.ImageStride, y.RowStride, count, h, w, packed, null, 0, 0, relu: true, _threads,
                    new Conv3x3Winograd.PoolTarget(dst + pooled.Offset + (nint)i0 * pooled.ImageStride, pooled.ImageStride, pooled.RowStride, null));
            }
        }
        return pooled;
    }

    /// <summary>Images <paramref name="first"/> … + <paramref name="count"/> of <paramref name="input"/> (N, H, W, 3) into the padded layout <paramref name="target"/>, borders zeroed.</summary>
    private static void CopyInput(Tensor input, int first, int count, Activations target)
    {
        ZeroBorders(target, count);
        int row = target.Width * 3;
        for (int i = 0; i < count; i++)
        for (int y = 0; y < target.Height; y++)
            input.Data.AsSpan(((first + i) * target.Height + y) * row, row)
                .CopyTo(target.Array.AsSpan(target.Offset + i * target.ImageStride + y * target.RowStride));
    }

    /// <summary>Zeroes the border of a padded layout: top and bottom rows, the left pixel and every pixel right of the image.</summary>
    private static void ZeroBorders(Activations a, int n)
    {
        int c = a.Channels, rightPixels = a.RowStride / c - a.Width - 1;
        for (int i = 0; i < n; i++)
        {
            int image = a.Offset - a.RowStride - c + i * a.ImageStride; // (H + 2, paddedWidth, C)
            a.Array.AsSpan(image, a.RowStride).Clear();
            a.Array.AsSpan(image + (a.Height + 1) * a.RowStride, a.RowStride).Clear();
            for (int y = 1; y <= a.Height; y++)
            {
                a.Array.AsSpan(image + y * a.RowStride, c).Clear();
                a.Array.AsSpan(image + y * a.RowStride + (a.Width + 1) * c, rightPixels * c).Clear();
            }
        }
    }

    /// <summary>
    /// The Winograd weights <paramref name="layer"/> runs with at batch <paramref name="n"/> (null: the direct kernel):
    /// those built with the backend, or packed F(4×4) ones Auto adds at large batches, packed here on first use.
    /// </summary>
    private PackedWinograd3x3? WinogradAt(LayerSpec layer, int n)
    {
        if (!_winograd.TryGetValue(layer.Name, out var built)) return null;
        if (!built.TransformsOnTheFly || ConvAlgorithmChoice.For(layer, _policy, n, Weights.HasTop) != ConvAlgorithm.Winograd) return built;
        if (!_largeBatchWinograd.TryGetValue(layer.Name, out var packed))
        {
            var w = Weights[layer.Name];
            _largeBatchWinograd[layer.Name] = packed = PackedWinograd3x3.Pack(w.Kernel.Span, w.Bias.Span, layer.InChannels, layer.OutChannels);
        }
        return packed;
    }

    private float[] OtherScratch(float[] current) => ReferenceEquals(current, _ping) ? _pong : _ping;

    /// <summary>True when the conv at <paramref name="li"/> runs fused with the max pool after it (a Winograd conv only).</summary>
    private bool Fuses(IReadOnlyList<LayerSpec> layers, int li, int height, int width) =>
        _winograd.ContainsKey(layers[li].Name) && li + 1 < layers.Count && layers[li + 1].IsPool && height >= 2 && width >= 2;

    /// <summary>
    /// Floats the ping and the pong buffer need and ints the switch scratch needs for this batch and size: the layer walk
    /// of <see cref="ForwardLocked"/> (input in ping, every spatial output in the other buffer, a fused conv + pool
    /// writes only the pooled map, a pool feeding fc1 or returned writes a fresh tensor), without computing anything.
    /// </summary>
    private (long Ping, long Pong, long Switches, long InputChunk) PlanScratch(int n, int h, int w, ILayerTap? tap)
    {
        var layers = Weights.Layers;
        long[] need = { (long)n * (h + 2) * Conv3x3.PaddedWidth(w) * 3, 0 }; // [ping, pong]
        long switches = 0, inputChunk = 0;
        int side = 0, c = 3, first = 0; // side: which buffer holds the current activation
        int chunk = FirstBlockChunk(n, h, w, tap);
        if (chunk < n)
        {
            // FirstBlockInChunks: a chunk's input in its own buffer, its block1_conv1 in the pong, block1_pool for all in the ping.
            inputChunk = need[0] / n * chunk;
            need[1] = (long)chunk * (h + 2) * Conv3x3.PaddedWidth(w) * layers[0].OutChannels;
            c = layers[1].OutChannels;
            h /= 2; w /= 2;
            need[0] = (long)n * (h + 2) * Conv3x3.PaddedWidth(w) * c;
            first = FirstBlockLayers;
        }
        for (int li = first; li < layers.Count; li++)
        {
            var layer = layers[li];
            if (layer.IsDense) break; // dense layers and what follows use fresh arrays
            bool fused = layer.IsConv && Fuses(layers, li, h, w);
            if (layer.IsConv) c = layer.OutChannels;
            if (fused || layer.IsPool)
            {
                int poolIndex = fused ? li + 1 : li;
                if (!(tap?.Wants(layers[poolIndex].Name) ?? false) && !fused) switches = Math.Max(switches, (long)n * (h / 2) * (w / 2) * c);
                h /= 2; w /= 2;
                li = poolIndex;
                if (li + 1 >= layers.Count || layers[li + 1].IsDense) break; // a fresh dense tensor
            }
            side = 1 - side;
            need[side] = Math.Max(need[side], (long)n * (h + 2) * Conv3x3.PaddedWidth(w) * c);
        }
        return (need[0], need[1], switches, inputChunk);
    }

    /// <summary>Grows the ping-pong buffers (pinned: the kernels take their address) to what this forward needs (<see cref="PlanScratch"/>).</summary>
    private void EnsureScratch(int n, int h, int w, ILayerTap? tap)
    {
        ScratchFloats(n, h, w); // throws for inputs too large for one array
        var (ping, pong, switches, inputChunk) = PlanScratch(n, h, w, tap);
        if (_inputChunk.Length < inputChunk) { _inputChunk = Array.Empty<float>(); _inputChunk = GC.AllocateUninitializedArray<float>((int)inputChunk, pinned: true); }
        if (_ping.Length < ping) { _ping = Array.Empty<float>(); _ping = GC.AllocateUninitializedArray<float>((int)ping, pinned: true); }
        if (_pong.Length < pong) { _pong = Array.Empty<float>(); _pong = GC.AllocateUninitializedArray<float>((int)pong, pinned: true); }
        if (_switchScratch.Length < switches) _switchScratch = new int[switches];
    }

    /// <summary>
    /// Floats in the largest padded activation and ints in the largest pool's switches for this batch and size;
    /// throws <see cref="InputShapeException"/> when one layer would not fit in one array.
    /// </summary>
    internal static (long Activations, int Switches) ScratchFloats(int n, int h, int w)
    {
        int h0 = h, w0 = w;
        long largest = (long)n * (h + 2) * Conv3x3.PaddedWidth(w) * 3, switches = 0;
        int c = 3;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsConv) c = layer.OutChannels;
            else { h /= 2; w /= 2; switches = Math.Max(switches, (long)n * h * w * c); }
            largest = Math.Max(largest, (long)n * (h + 2) * Conv3x3.PaddedWidth(w) * c);
        }
        if (largest > Array.MaxLength)
            throw new InputShapeException($"input batch {n}×{h0}×{w0} is too large for the CPU engine: one layer's activations would need {largest * 4.0 / (1 << 30):F1} GiB (at most {Array.MaxLength * 4.0 / (1 << 30):F1} GiB)");
        return (largest, (int)switches);
    }

    private static string CpuModelName()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return "CPU";
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var conv in _convs.Values) conv.Dispose();
        foreach (var conv in _winograd.Values) conv.Dispose();
        foreach (var conv in _largeBatchWinograd.Values) conv.Dispose();
        _convs.Clear();
        _winograd.Clear();
        _largeBatchWinograd.Clear();
    }
}
