using CnnEngine.Backends.Model;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model.Cnn;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Backends;

/// <summary>
/// A user's CNN (<see cref="CnnModel"/>) forward on an ILGPU device (CUDA, OpenCL or the CPU emulator), layer by layer:
/// convs on <see cref="Ops.Conv2dGeneralKernel"/> (any window, fused bias and activation), pools on
/// <see cref="Ops.MaxPool2dKernel"/> / <see cref="Ops.AvgPool2dKernel"/>, dense and softmax on VGG16's
/// <see cref="Ops.DenseKernel"/> / <see cref="Ops.SoftmaxKernel"/>, the rest on the small kernels of kernels/Ops.
/// Same contract as <see cref="CnnCpuBackend"/> (its reference): every layer's output under its Keras name, every max
/// pool's switches. Weights are uploaded once; activations stay on the device in two ping-pong buffers and a layer is
/// copied back only when the tap wants it (and the last layer, the result). Flatten and Activation layers work in place
/// (Flatten is free: channels-last (H, W, C) already is Keras's flatten order). A batch larger than the device memory
/// allows runs in passes (<see cref="MaxImagesPerPass"/>), as <see cref="GpuBackend"/> does. Forward calls are serialized.
/// </summary>
public sealed class GpuCnnBackend : ICnnBackend
{
    private readonly GpuDevice _device;
    private readonly GpuOps _ops;
    private readonly GpuCnnOps _cnn;
    private readonly Dictionary<string, DeviceArray<float>[]> _weights = new();   // conv: kernel, bias; affine: scale, shift
    private readonly Dictionary<string, DenseWeights> _dense = new();
    private readonly object _lock = new();
    private Buffers? _buffers;
    private bool _disposed;

    public string DeviceId => _device.Id;
    public string DeviceName { get; }
    public CnnModel Model { get; }
    /// <summary>The device this backend runs on (its peak memory is what benchmarks report).</summary>
    public GpuDevice Device => _device;
    /// <summary>Images one pass may hold at most, whatever memory allows (0: no limit but memory). Tests set it to force passes.</summary>
    public int MaxImagesPerPass { get; set; }

    private readonly bool _ownsDevice;

    /// <summary>
    /// With <paramref name="ownsDevice"/> (the CLI's case) the backend disposes <paramref name="device"/> with itself, also
    /// when this constructor fails; without, the device is shared (tests run many models on one emulator, whose context
    /// caches the compiled kernels) and only this backend's buffers are freed.
    /// </summary>
    public GpuCnnBackend(GpuDevice device, CnnModel model, bool ownsDevice = true)
    {
        _device = device;
        _ownsDevice = ownsDevice;
        try
        {
            Model = model ?? throw new ArgumentNullException(nameof(model));
            _ops = new GpuOps(device);
            _cnn = new GpuCnnOps(device);
            DeviceName = $"{device.Name} [conv: general]";
            _cnn.WarmAll();   // compile now: a kernel that does not build fails at open, not mid-run
            foreach (var layer in model.Layers)
                switch (layer)
                {
                    case ConvLayer conv: _weights[conv.Name] = new[] { Upload(conv.Kernel), Upload(conv.Bias) }; break;
                    case DenseLayer dense:
                        _dense[dense.Name] = new DenseWeights(_ops, dense.Kernel, dense.Bias, dense.Input.Channels, dense.Output.Channels);
                        break;
                    case AffineLayer affine:
                        int c = affine.Input.Channels;
                        _weights[affine.Name] = new[] { Upload(PerChannel(affine.Scale, c)), Upload(PerChannel(affine.Shift, c)) };
                        break;
                }
        }
        catch
        {
            DisposeWeights();
            if (ownsDevice) device.Dispose();
            throw;
        }
    }

    private DeviceArray<float> Upload(float[] data)
    {
        var a = _device.Allocate<float>(data.Length);
        try { a.Write(data); }
        catch { a.Dispose(); throw; }
        return a;
    }

    /// <summary>A Rescaling's single value repeated per channel, so the kernel always reads scale[c].</summary>
    private static float[] PerChannel(float[] values, int channels) =>
        values.Length == channels ? values : values.Length == 1 ? Enumerable.Repeat(values[0], channels).ToArray()
        : throw new ArgumentException($"affine has {values.Length} values for {channels} channels");

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CnnInputShape.Validate(input, Model);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
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
        int n = input.Shape[0];
        int perPass = ImagesPerPass(n);
        var activations = new Dictionary<string, Tensor>();   // whole-batch results, filled pass by pass
        var switches = new Dictionary<string, IntTensor>();
        for (int start = 0; start < n; start += perPass)
            Pass(input, start, Math.Min(perPass, n - start), n, tap, activations, switches);

        // Hand the tap every layer it wanted, in model order (switches first, as the CPU backend does).
        if (tap is not null)
            foreach (var layer in Model.Layers)
            {
                if (!tap.Wants(layer.Name)) continue;
                var spec = layer.Spec;
                if (switches.TryGetValue(layer.Name, out var s)) tap.OnSwitches(spec, s);
                tap.OnActivation(spec, activations[layer.Name]);
            }
        return activations[Model.Layers[^1].Name];
    }

    private void Pass(Tensor input, int start, int count, int total, ILayerTap? tap,
        Dictionary<string, Tensor> activations, Dictionary<string, IntTensor> switchesOut)
    {
        var b = EnsureBuffers(count);
        int inPer = (int)Model.Input.Elements;
        b.Input.Write(input.Data.AsSpan(start * inPer, count * inPer));   // (count, H, W, C)
        DeviceArray<float> current = b.Input;

        var layers = Model.Layers;
        for (int li = 0; li < layers.Count; li++)
        {
            var layer = layers[li];
            bool wanted = tap is not null && tap.Wants(layer.Name);
            var i = layer.Input;
            var o = layer.Output;
            var next = ReferenceEquals(current, b.Ping) ? b.Pong : b.Ping;   // ping-pong between layers
            var output = next;
            switch (layer)
            {
                case ConvLayer conv:   // (count, H, W, Cin) → (count, OH, OW, Cout)
                {
                    var w = _weights[conv.Name];
                    _cnn.Conv(current.View, w[0].View, w[1].View, output.View, count, i.Height, i.Width, i.Channels, o.Channels, conv.Window, conv.Activation);
                    if (conv.Activation.Kind == ActivationKind.Softmax) _ops.Softmax(output.View, count * o.Height * o.Width, o.Channels);
                    break;
                }
                case PoolLayer pool when pool.IsMax:
                    _cnn.MaxPool(current.View, output.View, b.Switches.View, count, i.Height, i.Width, i.Channels, pool.Window);
                    if (wanted)
                        BatchPasses.CopyBack(b.Switches, switchesOut, layer.Name, () => new IntTensor(o.TensorShape(total)), o.Elements, start, count);
                    break;
                case PoolLayer pool:
                    _cnn.AvgPool(current.View, output.View, count, i.Height, i.Width, i.Channels, pool.Window);
                    break;
                case DenseLayer dense:   // (rows, Cin) → (rows, Cout); rows = count for a flat input
                {
                    int rows = (int)(count * (i.Elements / i.Channels));
                    bool fusedRelu = dense.Activation.IsPlainRelu;
                    _ops.Dense(_dense[dense.Name], current.View, output.View, rows, relu: fusedRelu);
                    if (!fusedRelu) ActivateInPlace(output, rows * o.Channels, o.Channels, dense.Activation);
                    break;
                }
                case ActivationLayer act:   // in place
                    output = current;
                    ActivateInPlace(output, (int)(count * i.Elements), i.Channels, act.Activation);
                    break;
                case AffineLayer:
                {
                    var w = _weights[layer.Name];
                    _cnn.ChannelAffine(current.View, output.View, w[0].View, w[1].View, (int)(count * i.Elements), i.Channels);
                    break;
                }
                case ZeroPaddingLayer pad:
                    _cnn.ZeroPad(current.View, output.View, count, i.Height, i.Width, i.Channels, pad.Top, pad.Bottom, pad.Left, pad.Right);
                    break;
                case FlattenLayer:   // channels last: (count, H, W, C) already is (count, H·W·C)
                    output = current;
                    break;
                case GlobalPoolLayer global:
                    _cnn.GlobalPool(current.View, output.View, count, i.Height * i.Width, i.Channels, global.IsMax);
                    break;
                default:
                    throw new InvalidOperationException($"layer {layer.Name} of type {layer.GetType().Name} has no GPU implementation");
            }
            if (wanted || li == layers.Count - 1)
                BatchPasses.CopyBack(output, activations, layer.Name, () => new Tensor(o.TensorShape(total)), o.Elements, start, count);   // blocking
            current = output;
        }
        _device.Synchronize();
    }

    /// <summary>An activation in place over (rows, lastAxis) values: softmax on its own kernel, the rest element-wise.</summary>
    private void ActivateInPlace(DeviceArray<float> values, int count, int lastAxis, ActivationFunction f)
    {
        if (f.Kind == ActivationKind.Softmax) _ops.Softmax(values.View, count / lastAxis, lastAxis);
        else _cnn.Activate(values.View, count, f);
    }

    /// <summary>Floats per image: the input, the largest layer output (twice: ping and pong), the largest max pool's switches.</summary>
    private (long Input, long Largest, long Switches) PerImage()
    {
        long largest = Model.Layers.Max(l => l.Output.Elements);
        long sw = Model.Layers.OfType<PoolLayer>().Where(p => p.IsMax).Select(p => p.Output.Elements).DefaultIfEmpty(0).Max();
        return (Model.Input.Elements, largest, sw);
    }

    /// <summary>
    /// Images per pass: what the device budget leaves after the weights divided by what one image needs, and small enough
    /// that every tensor stays indexable by the kernels' 32-bit ints.
    /// </summary>
    private int ImagesPerPass(int n)
    {
        if (_buffers is { } b && b.Images >= n) return n;
        var (input, largest, sw) = PerImage();
        return BatchPasses.ImagesPerPass(_device, _buffers?.Bytes ?? 0, 4 * (input + 2 * largest + sw), Math.Max(Math.Max(input, largest), 1), n,
            MaxImagesPerPass, $"one image through {Model.Name}", "try a smaller batch");
    }

    // Device buffers kept between forwards, sized for a pass of Images images.
    private sealed record Buffers(int Images, DeviceArray<float> Input, DeviceArray<float> Ping, DeviceArray<float> Pong, DeviceArray<int> Switches)
    {
        public long Bytes => 4 * (Input.Length + Ping.Length + Pong.Length + Switches.Length);

        public void Dispose()
        {
            Input.Dispose(); Ping.Dispose(); Pong.Dispose(); Switches.Dispose();
        }
    }

    private Buffers EnsureBuffers(int images)
    {
        if (_buffers is { } b && b.Images >= images) return b;
        _buffers?.Dispose();
        _buffers = null;
        var (input, largest, sw) = PerImage();
        return _buffers = BatchPasses.Allocate(_device, images,
            a => new Buffers(images, a.Alloc<float>(input), a.Alloc<float>(largest), a.Alloc<float>(largest), a.Alloc<int>(sw)));
    }

    private void DisposeWeights()
    {
        foreach (var arrays in _weights.Values) foreach (var a in arrays) a.Dispose();
        foreach (var d in _dense.Values) d.Dispose();
        _weights.Clear(); _dense.Clear();
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
            if (_ownsDevice) _device.Dispose();
        }
    }
}
