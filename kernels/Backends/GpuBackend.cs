using CnnEngine.Backends;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Backends;

/// <summary>
/// VGG16 forward on a device, the same for OpenCL and CUDA (they differ only in <see cref="IComputeDevice"/>).
/// Weights are uploaded once, in the chosen conv rung's layout. During a forward the activations stay on the
/// device; a layer is copied back only when the tap <see cref="ILayerTap.Wants"/> it (and the last layer,
/// which is the result). Forward calls on one instance are serialized.
/// </summary>
public class GpuBackend : IForwardBackend
{
    private readonly IComputeDevice _device;
    private readonly GpuOps _ops;
    private readonly Dictionary<string, ConvWeights> _convs = new();
    private readonly Dictionary<string, DenseWeights> _dense = new();
    private readonly object _lock = new();
    private bool _disposed;

    public string DeviceId => _device.Id;
    public string DeviceName { get; }
    public Vgg16Weights Weights { get; }
    public ConvRung Rung { get; }
    /// <summary>The device this backend runs on (benchmarks time single ops on it).</summary>
    public IComputeDevice Device => _device;

    /// <summary>Takes ownership of <paramref name="device"/> (disposed with the backend, also when this constructor fails).</summary>
    protected GpuBackend(IComputeDevice device, Vgg16Weights weights, ConvRung rung)
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
    /// The rung a layer actually runs. Winograd trades multiplies for memory traffic (V and M are 4× the
    /// activations); with few input channels the transforms dominate and it loses to regblock (measured on pocl:
    /// docs/kernels.md), so the winograd rung runs layers with fewer than 128 input channels as regblock.
    /// </summary>
    public static ConvRung LayerRung(ConvRung rung, LayerSpec layer) =>
        rung == ConvRung.Winograd && layer.InChannels < WinogradMinInChannels ? ConvRung.RegBlock : rung;

    public const int WinogradMinInChannels = 128;

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        InputShape.Validate(input, Weights.HasTop);
        lock (_lock) return ForwardLocked(input, tap);
    }

    private Tensor ForwardLocked(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        EnsureBuffers(n, h, w);
        DeviceBuffer current = _input!;                 // (N, H, W, 3)
        _device.Write<float>(current, input.Data);

        Tensor? last = null;
        var layers = Weights.Layers;
        for (int li = 0; li < layers.Count; li++)
        {
            var layer = layers[li];
            bool isLast = li == layers.Count - 1;
            bool wanted = tap is not null && tap.Wants(layer.Name);
            DeviceBuffer output = ReferenceEquals(current, _ping) ? _pong! : _ping!;   // ping-pong between layers
            switch (layer.Kind)
            {
                case LayerKind.Conv3x3Relu:
                    _ops.Conv(_convs[layer.Name], current, output, n, h, w, relu: true, _scratchV, _scratchM);   // (N, H, W, Cout)
                    c = layer.OutChannels;
                    if (wanted || isLast) last = Hand(tap, wanted, layer, output, n, h, w, c);
                    break;
                case LayerKind.MaxPool2x2:
                    _ops.MaxPool(current, output, _switches!, n, h, w, c);   // (N, H/2, W/2, C) and its switches
                    h /= 2; w /= 2;
                    if (wanted)
                    {
                        var s = new IntTensor(n, h, w, c);
                        _device.Read<int>(_switches!, s.Data);
                        tap!.OnSwitches(layer, s);
                    }
                    if (wanted || isLast) last = Hand(tap, wanted, layer, output, n, h, w, c);
                    break;
                case LayerKind.Dense:
                {
                    int inFeatures = h * w * c;   // channels-last flatten: (N, H, W, C) is already (N, H·W·C)
                    if (inFeatures != layer.InChannels)
                        throw new InputShapeException($"{layer.Name} needs {layer.InChannels} inputs but the conv base gives {inFeatures}");
                    _ops.Dense(_dense[layer.Name], current, output, n, relu: layer.Activation == Activation.Relu);   // (N, K)
                    if (layer.Activation == Activation.Softmax) _ops.Softmax(output, n, layer.OutChannels);
                    h = 1; w = 1; c = layer.OutChannels;
                    if (wanted || isLast)
                    {
                        var t = new Tensor(n, c);
                        _device.Read<float>(output, t.Data);
                        if (wanted) tap!.OnActivation(layer, t);
                        last = t;
                    }
                    break;
                }
            }
            current = output;
        }
        _device.Finish();
        return last ?? throw new InvalidOperationException("the network has no layers");
    }

    // Device buffers kept between forwards (first-touching fresh memory every call costs more than some layers):
    // the input, two ping-pong activation buffers of the largest layer, the switches, Winograd scratch.
    private DeviceBuffer? _input, _ping, _pong, _switches, _scratchV, _scratchM;
    private (int N, int H, int W) _bufferShape;

    private void EnsureBuffers(int n, int h, int w)
    {
        if (_input is not null && _bufferShape == (n, h, w)) return;
        FreeBuffers();
        long largest = 0, largestPool = 0, scratch = 0;
        int hh = h, ww = w;
        foreach (var layer in Weights.Layers)
        {
            if (layer.IsConv)
            {
                largest = Math.Max(largest, (long)n * hh * ww * layer.OutChannels);
                if (_convs[layer.Name].Rung == ConvRung.Winograd)
                    scratch = Math.Max(scratch, GpuOps.WinogradScratchFloats(n, hh, ww, Math.Max(layer.InChannels, _convs[layer.Name].PaddedOut)));
            }
            else if (layer.IsPool) { hh /= 2; ww /= 2; largestPool = Math.Max(largestPool, (long)n * hh * ww * layer.OutChannels); }
            else largest = Math.Max(largest, (long)n * layer.OutChannels);
        }
        _input = _device.Allocate((long)n * h * w * 3 * 4);
        _ping = _device.Allocate(largest * 4);
        _pong = _device.Allocate(largest * 4);
        _switches = _device.Allocate(largestPool * 4);
        if (scratch > 0) { _scratchV = _device.Allocate(scratch * 4); _scratchM = _device.Allocate(scratch * 4); }
        _bufferShape = (n, h, w);
    }

    private void FreeBuffers()
    {
        foreach (var b in new[] { _input, _ping, _pong, _switches, _scratchV, _scratchM }) b?.Dispose();
        _input = _ping = _pong = _switches = _scratchV = _scratchM = null;
    }

    /// <summary>Copies an activation back (the tap asked, or it is the result) and hands it over.</summary>
    private Tensor Hand(ILayerTap? tap, bool wanted, LayerSpec layer, DeviceBuffer buffer, int n, int h, int w, int c)
    {
        var t = new Tensor(n, h, w, c);
        _device.Read<float>(buffer, t.Data);   // blocking read: also waits for the kernels before it
        if (wanted) tap!.OnActivation(layer, t);
        return t;
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
            FreeBuffers();
            DisposeWeights();
            _device.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>VGG16 on an OpenCL device (index into <see cref="OpenClDiscovery.Devices"/>).</summary>
public sealed class OpenClBackend : GpuBackend
{
    public OpenClBackend(int deviceIndex, Vgg16Weights weights, ConvRung? rung = null)
        : this(new OpenClDevice(deviceIndex), weights, rung) { }

    private OpenClBackend(OpenClDevice device, Vgg16Weights weights, ConvRung? rung)
        : base(device, weights, rung ?? Devices.DefaultRung(device)) { }
}

/// <summary>VGG16 on a CUDA device (kernels compiled by NVRTC).</summary>
public sealed class CudaBackend : GpuBackend
{
    public CudaBackend(int deviceIndex, Vgg16Weights weights, ConvRung? rung = null)
        : this(new CudaDevice(deviceIndex), weights, rung) { }

    private CudaBackend(CudaDevice device, Vgg16Weights weights, ConvRung? rung)
        : base(device, weights, rung ?? Devices.DefaultRung(device)) { }
}
