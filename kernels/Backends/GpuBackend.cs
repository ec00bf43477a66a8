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
    internal GpuOps Ops => _ops;
    internal IComputeDevice Device => _device;

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
                if (layer.IsConv) _convs[layer.Name] = new ConvWeights(_ops, rung, lw.Kernel.Span, lw.Bias.Span, layer.InChannels, layer.OutChannels);
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

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        InputShape.Validate(input, Weights.HasTop);
        lock (_lock) return ForwardLocked(input, tap);
    }

    private Tensor ForwardLocked(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        var owned = new List<DeviceBuffer>();   // every buffer of this forward, freed at the end
        try
        {
            DeviceBuffer Alloc(long floats) { var b = _device.Allocate(floats * 4); owned.Add(b); return b; }

            DeviceBuffer current = Alloc(input.Length);   // (N, H, W, 3)
            _device.Write<float>(current, input.Data);
            DeviceBuffer? scratchV = null, scratchM = null;
            if (Rung == ConvRung.Winograd)
            {
                long most = WinogradScratchMost(n, h, w);
                scratchV = Alloc(most); scratchM = Alloc(most);
            }

            Tensor? last = null;
            var layers = Weights.Layers;
            for (int li = 0; li < layers.Count; li++)
            {
                var layer = layers[li];
                bool isLast = li == layers.Count - 1;
                bool wanted = tap is not null && tap.Wants(layer.Name);
                switch (layer.Kind)
                {
                    case LayerKind.Conv3x3Relu:
                    {
                        var output = Alloc((long)n * h * w * layer.OutChannels);   // (N, H, W, Cout)
                        _ops.Conv(_convs[layer.Name], current, output, n, h, w, relu: true, scratchV, scratchM);
                        Release(owned, current);
                        current = output; c = layer.OutChannels;
                        if (wanted || isLast) last = Hand(tap, wanted, layer, output, n, h, w, c);
                        break;
                    }
                    case LayerKind.MaxPool2x2:
                    {
                        int oh = h / 2, ow = w / 2;
                        var output = Alloc((long)n * oh * ow * c);    // (N, H/2, W/2, C)
                        var switches = Alloc((long)n * oh * ow * c);  // (N, H/2, W/2, C) int32
                        _ops.MaxPool(current, output, switches, n, h, w, c);
                        Release(owned, current);
                        current = output; h = oh; w = ow;
                        if (wanted)
                        {
                            var s = new IntTensor(n, h, w, c);
                            _device.Read<int>(switches, s.Data);
                            tap!.OnSwitches(layer, s);
                        }
                        Release(owned, switches);
                        if (wanted || isLast) last = Hand(tap, wanted, layer, output, n, h, w, c);
                        break;
                    }
                    case LayerKind.Dense:
                    {
                        int inFeatures = h * w * c;   // channels-last flatten: (N, H, W, C) is already (N, H·W·C)
                        if (inFeatures != layer.InChannels)
                            throw new InputShapeException($"{layer.Name} needs {layer.InChannels} inputs but the conv base gives {inFeatures}");
                        var output = Alloc((long)n * layer.OutChannels);   // (N, K)
                        _ops.Dense(_dense[layer.Name], current, output, n, relu: layer.Activation == Activation.Relu);
                        if (layer.Activation == Activation.Softmax) _ops.Softmax(output, n, layer.OutChannels);
                        Release(owned, current);
                        current = output; h = 1; w = 1; c = layer.OutChannels;
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
            }
            _device.Finish();
            return last ?? throw new InvalidOperationException("the network has no layers");
        }
        finally
        {
            foreach (var b in owned) b.Dispose();
        }
    }

    /// <summary>Copies an activation back (the tap asked, or it is the result) and hands it over.</summary>
    private Tensor Hand(ILayerTap? tap, bool wanted, LayerSpec layer, DeviceBuffer buffer, int n, int h, int w, int c)
    {
        var t = new Tensor(n, h, w, c);
        _device.Read<float>(buffer, t.Data);   // blocking read: also waits for the kernels before it
        if (wanted) tap!.OnActivation(layer, t);
        return t;
    }

    private static void Release(List<DeviceBuffer> owned, DeviceBuffer b)
    {
        owned.Remove(b);
        b.Dispose();
    }

    private long WinogradScratchMost(int n, int h, int w)
    {
        long most = 0;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsConv) most = Math.Max(most, GpuOps.WinogradScratchFloats(n, h, w, Math.Max(layer.InChannels, _ops.PaddedChannels(layer.OutChannels))));
            else { h /= 2; w /= 2; }
        }
        return most;
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
