using CnnEngine.Kernels.Compute;
using CnnEngine.Model;

namespace CnnEngine.Kernels.Deconv;

/// <summary><see cref="IDeconvOps"/> on an OpenCL or CUDA device. Conv filters are uploaded (Keras layout) on first use per layer.</summary>
public sealed class GpuDeconvOps : IDeconvOps
{
    private readonly IComputeDevice _device;
    private readonly GpuOps _ops;
    private readonly Vgg16Weights _weights;
    private readonly Dictionary<string, DeviceBuffer> _kernels = new();
    private readonly object _lock = new();

    /// <summary>Takes ownership of <paramref name="device"/>.</summary>
    public GpuDeconvOps(IComputeDevice device, Vgg16Weights weights)
    {
        _device = device; _weights = weights; _ops = new GpuOps(device);
    }

    public string DeviceId => _device.Id;

    public float[] Unpool(ReadOnlySpan<float> pooled, ReadOnlySpan<int> switches, int height, int width, int channels)
    {
        int per = (height / 2) * (width / 2) * channels;
        if (pooled.Length != per || switches.Length != per) throw new ArgumentException($"unpool: pooled and switches must be ({height / 2}, {width / 2}, {channels})");
        CheckSwitches(switches, height, width, channels, "unpool");
        lock (_lock)
        {
            using var p = Upload(pooled);
            using var s = Upload(switches);
            using var u = _device.Allocate((long)height * width * channels * 4);
            _ops.Unpool(p, s, u, 1, height, width, channels);
            return Download(u, height * width * channels);
        }
    }

    public void Rectify(Span<float> values)
    {
        lock (_lock)
        {
            using var b = Upload(values);
            _ops.Rectify(b, values.Length);
            _device.Read(b, values);
        }
    }

    public float[] ConvTranspose(string convLayer, ReadOnlySpan<float> signal, int height, int width)
    {
        var spec = ConvSpec(convLayer);
        if (signal.Length != height * width * spec.OutChannels) throw new ArgumentException($"conv-transpose: signal must be ({height}, {width}, {spec.OutChannels})");
        lock (_lock)
        {
            using var x = Upload(signal);
            using var y = _device.Allocate((long)height * width * spec.InChannels * 4);
            _ops.ConvTranspose(Kernel(spec), x, y, 1, height, width, spec.InChannels, spec.OutChannels);
            return Download(y, height * width * spec.InChannels);
        }
    }

    public float[] Down(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches, int height, int width)
    {
        var layers = Vgg16Architecture.ConvBase;
        int top = layers.ToList().FindIndex(l => l.Name == layer);
        if (top < 0) throw new ArgumentException($"deconv: {layer} is not a layer of the conv base");
        // The size at every layer's output on the way up, to walk back down.
        var sizes = new (int H, int W)[top + 1];
        int h = height, w = width;
        for (int i = 0; i <= top; i++) { if (layers[i].IsPool) { h /= 2; w /= 2; } sizes[i] = (h, w); }
        if (seed.Length != sizes[top].H * sizes[top].W * layers[top].OutChannels)
            throw new ArgumentException($"deconv: seed must be ({sizes[top].H}, {sizes[top].W}, {layers[top].OutChannels})");
        lock (_lock)
        {
            var owned = new List<DeviceBuffer>();
            try
            {
                DeviceBuffer signal = Upload(seed);   // (H_L, W_L, C_L)
                owned.Add(signal);
                for (int i = top; i >= 0; i--)
                {
                    var spec = layers[i];
                    var (oh, ow) = sizes[i];
                    if (spec.IsConv)
                    {
                        _ops.Rectify(signal, oh * ow * spec.OutChannels);
                        var below = _device.Allocate((long)oh * ow * spec.InChannels * 4);   // (H, W, Cin)
                        owned.Add(below);
                        _ops.ConvTranspose(Kernel(spec), signal, below, 1, oh, ow, spec.InChannels, spec.OutChannels);
                        signal = below;
                    }
                    else
                    {
                        var (ih, iw) = i == 0 ? (height, width) : sizes[i - 1];
                        if (!switches.TryGetValue(spec.Name, out var s)) throw new ArgumentException($"deconv: no switches for {spec.Name}");
                        if (s.Length != oh * ow * spec.OutChannels) throw new ArgumentException($"deconv: {spec.Name} switches must be ({oh}, {ow}, {spec.OutChannels})");
                        CheckSwitches(s, ih, iw, spec.OutChannels, spec.Name);
                        var sw = Upload<int>(s);
                        owned.Add(sw);
                        var up = _device.Allocate((long)ih * iw * spec.OutChannels * 4);   // (H, W, C)
                        owned.Add(up);
                        _ops.Unpool(signal, sw, up, 1, ih, iw, spec.OutChannels);
                        signal = up;
                    }
                }
                return Download(signal, height * width * 3);
            }
            finally { foreach (var b in owned) b.Dispose(); }
        }
    }

    /// <summary>The unpool kernel gathers from each output's own 2×2 window, so a switch elsewhere would be silently dropped: refuse it.</summary>
    private static void CheckSwitches(ReadOnlySpan<int> switches, int height, int width, int channels, string what)
    {
        int ow = width / 2;
        for (int i = 0; i < switches.Length; i++)
        {
            int p = i / channels, oy = p / ow, ox = p % ow, s = switches[i];
            int y = s / width, x = s - y * width;
            if (s < 0 || y / 2 != oy || x / 2 != ox || y >= height)
                throw new ArgumentException($"{what}: switch {s} at pooled ({oy}, {ox}) is outside its 2×2 window of a {height}×{width} plane");
        }
    }

    private static LayerSpec ConvSpec(string name) =>
        Vgg16Architecture.Find(name) is { IsConv: true } spec ? spec : throw new ArgumentException($"{name} is not a conv layer");

    private DeviceBuffer Kernel(LayerSpec spec)
    {
        if (_kernels.TryGetValue(spec.Name, out var b)) return b;
        b = Upload(_weights[spec.Name].Kernel.Span);   // (3, 3, Cin, Cout)
        _kernels[spec.Name] = b;
        return b;
    }

    private DeviceBuffer Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var b = _device.Allocate(Math.Max(1, data.Length) * 4L);
        _device.Write(b, data);
        return b;
    }

    private DeviceBuffer Upload(ReadOnlySpan<float> data) => Upload<float>(data);

    private float[] Download(DeviceBuffer b, int count)
    {
        var r = new float[count];
        _device.Read<float>(b, r);
        return r;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var b in _kernels.Values) b.Dispose();
            _kernels.Clear();
            _device.Dispose();
        }
    }
}
