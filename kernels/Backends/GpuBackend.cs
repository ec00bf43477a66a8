using CnnEngine.Backends;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Backends;

/// <summary>
/// VGG16 forward on an ILGPU device (CUDA, OpenCL or the CPU emulator: they differ only in the accelerator).
/// Weights are uploaded once, in the chosen conv rung's layout. During a pass the activations stay on the device; a
/// layer is copied back only when the tap <see cref="ILayerTap.Wants"/> it (and the last layer, which is the result).
/// A batch larger than the device memory allows runs in passes of as many images as fit (<see cref="ImagesPerPass"/>),
/// so device memory stays bounded whatever the batch; the tap still gets each layer once, for the whole batch.
/// Forward calls on one instance are serialized.
/// </summary>
public sealed class GpuBackend : IForwardBackend
{
    private readonly GpuDevice _device;
    private readonly GpuOps _ops;
    private readonly Dictionary<string, ConvWeights> _convs = new();
    private readonly Dictionary<string, DenseWeights> _dense = new();
    private readonly object _lock = new();
    private bool _disposed;

    public string DeviceId => _device.Id;
    public string DeviceName { get; }
    public Vgg16Weights Weights { get; }
    public ConvRung Rung { get; }
    /// <summary>The device this backend runs on (benchmarks read its peak memory and time single ops on it).</summary>
    public GpuDevice Device => _device;
    /// <summary>Images one pass may hold at most, whatever memory allows (0: no limit but memory). Tests set it to force passes.</summary>
    public int MaxImagesPerPass { get; set; }

    /// <summary>Takes ownership of <paramref name="device"/> (disposed with the backend, also when this constructor fails).</summary>
    public GpuBackend(GpuDevice device, Vgg16Weights weights, ConvRung rung)
    {
        _device = device;
        try
        {
            ArgumentNullException.ThrowIfNull(weights);
            Weights = weights;
            Rung = rung;
            _ops = new GpuOps(device);
            DeviceName = $"{device.Name} [conv: {ConvRungs.Name(rung)}]";
            _ops.Warm(rung, weights.HasTop);   // compile now: a kernel that does not build fails at open, not mid-run
            foreach (var layer in weights.Layers)
            {
                if (!layer.HasWeights) continue;
                var lw = weights[layer.Name];
                if (layer.IsConv) _convs[layer.Name] = new ConvWeights(_ops, LayerRung(rung, layer), lw.Kernel.Span, lw.Bias.Span, layer.InChannels, layer.OutChannels);
                else _dense[layer.Name] = new DenseWeights(_ops, lw.Kernel.Span, lw.Bias.Span, layer.InChannels, layer.OutChannels);
            }
        }
        catch
        {
            DisposeWeights();
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The rung a layer actually runs. Winograd trades multiplies for memory traffic (V and M are 4× the activations);
    /// with few input channels the transforms dominate, so the winograd rung runs layers with fewer than 128 input
    /// channels as regblock (VGG16's block1 and block2).
    /// </summary>
    public static ConvRung LayerRung(ConvRung rung, LayerSpec layer) =>
        rung == ConvRung.Winograd && layer.InChannels < WinogradMinInChannels ? ConvRung.RegBlock : rung;

    public const int WinogradMinInChannels = 128;

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        InputShape.Validate(input, Weights.HasTop);
        lock (_lock)
        {
            try
            {
                return ForwardLocked(input, tap);
            }
            catch (Exception e) when (GpuDevice.IsDeviceFailure(e))
            {
                throw GpuDevice.Translate(_device.Id, "a forward pass", e);
            }
        }
    }

    private Tensor ForwardLocked(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2];
        var plan = Plan.For(Weights, _convs, h, w);
        int perPass = ImagesPerPass(plan, n);
        var activations = new Dictionary<string, Tensor>();   // whole-batch results, filled pass by pass
        var switches = new Dictionary<string, IntTensor>();
        for (int start = 0; start < n; start += perPass)
            Pass(input, start, Math.Min(perPass, n - start), n, plan, tap, activations, switches);

        // Hand the tap every layer it wanted, in network order (switches first, as the CPU engine does).
        string last = Weights.Layers[^1].Name;
        foreach (var layer in Weights.Layers)
        {
            if (tap is null || !tap.Wants(layer.Name)) continue;
            if (switches.TryGetValue(layer.Name, out var s)) tap.OnSwitches(layer, s);
            tap.OnActivation(layer, activations[layer.Name]);
        }
        return activations[last];
    }

    /// <summary>
    /// Images per pass: what the device budget leaves after the weights, divided by what one image needs (input, two
    /// ping-pong activation buffers of the largest layer, switches, Winograd scratch), and small enough that every
    /// tensor stays indexable by the kernels' 32-bit ints.
    /// </summary>
    private int ImagesPerPass(Plan plan, int n)
    {
        if (_buffers is { } b && b.Images >= n && b.H == plan.H && b.W == plan.W) return n;
        return BatchPasses.ImagesPerPass(_device, _buffers?.Bytes ?? 0, plan.BytesPerImage, plan.LargestElementsPerImage, n,
            MaxImagesPerPass, $"one {plan.H}×{plan.W} image", "try a smaller image");
    }

    private void Pass(Tensor input, int start, int count, int total, Plan plan, ILayerTap? tap,
        Dictionary<string, Tensor> activations, Dictionary<string, IntTensor> switchesOut)
    {
        int h = plan.H, w = plan.W, c = 3;
        var b = EnsureBuffers(plan, count);
        long inPer = (long)h * w * 3;
        b.Input.Write(input.Data.AsSpan().Slice((int)(start * inPer), (int)(count * inPer)));   // (count, H, W, 3)
        DeviceArray<float> current = b.Input;

        var layers = Weights.Layers;
        for (int li = 0; li < layers.Count; li++)
        {
            var layer = layers[li];
            bool keep = li == layers.Count - 1 || (tap is not null && tap.Wants(layer.Name));
            var output = ReferenceEquals(current, b.Ping) ? b.Pong : b.Ping;   // ping-pong between layers
            switch (layer.Kind)
            {
                case LayerKind.Conv3x3Relu:
                    _ops.Conv(_convs[layer.Name], current.View, output.View, count, h, w, relu: true, b.ScratchV?.View ?? default, b.ScratchM?.View ?? default);
                    c = layer.OutChannels;   // (count, H, W, Cout)
                    if (keep) CopyBack(output, activations, layer.Name, total, start, count, h, w, c);
                    break;
                case LayerKind.MaxPool2x2:
                    _ops.MaxPool(current.View, output.View, b.Switches.View, count, h, w, c);   // (count, H/2, W/2, C) and switches
                    h /= 2; w /= 2;
                    if (keep)
                    {
                        CopyBack(output, activations, layer.Name, total, start, count, h, w, c);
                        if (tap is not null && tap.Wants(layer.Name))
                        {
                            int sh = h, sw = w, sc = c;
                            BatchPasses.CopyBack(b.Switches, switchesOut, layer.Name, () => new IntTensor(total, sh, sw, sc), (long)h * w * c, start, count);
                        }
                    }
                    break;
                case LayerKind.Dense:
                {
                    int inFeatures = h * w * c;   // channels-last flatten: (N, H, W, C) is already (N, H·W·C)
                    if (inFeatures != layer.InChannels)
                        throw new InputShapeException($"{layer.Name} needs {layer.InChannels} inputs but the conv base gives {inFeatures}");
                    _ops.Dense(_dense[layer.Name], current.View, output.View, count, relu: layer.Activation == Activation.Relu);   // (count, K)
                    if (layer.Activation == Activation.Softmax) _ops.Softmax(output.View, count, layer.OutChannels);
                    h = 1; w = 1; c = layer.OutChannels;
                    if (keep)
                    {
                        int k = c;
                        BatchPasses.CopyBack(output, activations, layer.Name, () => new Tensor(total, k), k, start, count);
                    }
                    break;
                }
            }
            current = output;
        }
        _device.Synchronize();
    }

    /// <summary>Copies a layer's (count, H, W, C) back into its slice of the whole-batch tensor (a blocking read).</summary>
    private static void CopyBack(DeviceArray<float> buffer, Dictionary<string, Tensor> activations, string name, int total, int start, int count, int h, int w, int c) =>
        BatchPasses.CopyBack(buffer, activations, name, () => new Tensor(total, h, w, c), (long)h * w * c, start, count);

    /// <summary>Sizes of one forward at an input size: per image, in floats, for the buffers a pass needs.</summary>
    private sealed record Plan(int H, int W, long Input, long Largest, long LargestPool, long Scratch)
    {
        public long BytesPerImage => 4 * (Input + 2 * Largest + LargestPool + 2 * Scratch);
        public long LargestElementsPerImage => Math.Max(Math.Max(Input, Largest), Math.Max(Scratch, 1));

        public static Plan For(Vgg16Weights weights, Dictionary<string, ConvWeights> convs, int h, int w)
        {
            long largest = 0, largestPool = 0, scratch = 0;
            int hh = h, ww = w;
            foreach (var layer in weights.Layers)
            {
                if (layer.IsConv)
                {
                    largest = Math.Max(largest, (long)hh * ww * Math.Max(layer.InChannels, layer.OutChannels));
                    var cw = convs[layer.Name];
                    if (cw.Rung == ConvRung.Winograd)
                        scratch = Math.Max(scratch, GpuOps.WinogradScratchFloats(1, hh, ww, Math.Max(layer.InChannels, cw.PaddedOut)));
                }
                else if (layer.IsPool) { hh /= 2; ww /= 2; largestPool = Math.Max(largestPool, (long)hh * ww * layer.OutChannels); }
                else largest = Math.Max(largest, layer.OutChannels);
            }
            return new Plan(h, w, (long)h * w * 3, largest, largestPool, scratch);
        }
    }

    // Device buffers kept between forwards (allocating every call costs more than some layers), sized for a pass.
    private sealed record Buffers(int Images, int H, int W, DeviceArray<float> Input, DeviceArray<float> Ping, DeviceArray<float> Pong,
        DeviceArray<int> Switches, DeviceArray<float>? ScratchV, DeviceArray<float>? ScratchM)
    {
        public long Bytes => 4 * (Input.Length + Ping.Length + Pong.Length + Switches.Length + (ScratchV?.Length ?? 0) + (ScratchM?.Length ?? 0));

        public void Dispose()
        {
            Input.Dispose(); Ping.Dispose(); Pong.Dispose(); Switches.Dispose(); ScratchV?.Dispose(); ScratchM?.Dispose();
        }
    }

    private Buffers? _buffers;

    private Buffers EnsureBuffers(Plan plan, int images)
    {
        if (_buffers is { } b && b.Images >= images && b.H == plan.H && b.W == plan.W) return b;
        _buffers?.Dispose();
        _buffers = null;
        return _buffers = BatchPasses.Allocate(_device, images, a =>
        {
            var input = a.Alloc<float>(plan.Input);
            var ping = a.Alloc<float>(plan.Largest);
            var pong = a.Alloc<float>(plan.Largest);
            var sw = a.Alloc<int>(plan.LargestPool);
            var v = plan.Scratch > 0 ? a.Alloc<float>(plan.Scratch) : null;
            var m = plan.Scratch > 0 ? a.Alloc<float>(plan.Scratch) : null;
            return new Buffers(images, plan.H, plan.W, input, ping, pong, sw, v, m);
        });
    }

    private void DisposeWeights()
    {
        foreach (var c in _convs.Values) c.Dispose();
        foreach (var d in _dense.Values) d.Dispose();
        _convs.Clear(); _dense.Clear();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _buffers?.Dispose();
            _buffers = null;
            DisposeWeights();
            _device.Dispose();
        }
    }
}
