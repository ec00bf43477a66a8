using CnnEngine.Kernels.Compute;
using CnnEngine.Model;

namespace CnnEngine.Kernels.Deconv;

/// <summary><see cref="IDeconvOps"/> on an ILGPU device. Conv filters are uploaded (Keras layout) on first use per layer.</summary>
public sealed class GpuDeconvOps : IDeconvOps
{
    private readonly GpuDevice _device;
    private readonly GpuOps _ops;
    private readonly Vgg16Weights _weights;
    private readonly Dictionary<string, DeviceArray<float>> _kernels = new();
    private readonly object _lock = new();

    /// <summary>Takes ownership of <paramref name="device"/>.</summary>
    public GpuDeconvOps(GpuDevice device, Vgg16Weights weights)
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
            using var u = _device.Allocate<float>((long)height * width * channels);
            return Guard(() =>
            {
                _ops.Unpool(p.View, s.View, u.View, 1, height, width, channels);
                return Download(u, height * width * channels);
            });
        }
    }

    public void Rectify(Span<float> values)
    {
        lock (_lock)
        {
            using var b = Upload(values);
            Guard(() => { _ops.Rectify(b.View, b.Length > 0 ? (int)b.Length : 0); return 0; });
            b.Read(values);
        }
    }

    public float[] ConvTranspose(string convLayer, ReadOnlySpan<float> signal, int height, int width)
    {
        var spec = ConvSpec(convLayer);
        if (signal.Length != height * width * spec.OutChannels) throw new ArgumentException($"conv-transpose: signal must be ({height}, {width}, {spec.OutChannels})");
        lock (_lock)
        {
            using var x = Upload(signal);
            using var y = _device.Allocate<float>((long)height * width * spec.InChannels);
            return Guard(() =>
            {
                _ops.ConvTranspose(Kernel(spec).View, x.View, y.View, 1, height, width, spec.InChannels, spec.OutChannels);
                return Download(y, height * width * spec.InChannels);
            });
        }
    }

    public float[] Down(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches, int height, int width) =>
        Descend(layer, seed, switches, guide: null, height, width);

    public float[] DownGuided(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches,
        IReadOnlyDictionary<string, float[]> forward, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(forward);
        return Descend(layer, seed, switches, forward, height, width);
    }

    private float[] Descend(string layer, ReadOnlySpan<float> seed, IReadOnlyDictionary<string, int[]> switches,
        IReadOnlyDictionary<string, float[]>? guide, int height, int width)
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
            var owned = new List<IDisposable>();
            try
            {
                DeviceArray<float> signal = Upload(seed);   // (H_L, W_L, C_L)
                owned.Add(signal);
                for (int i = top; i >= 0; i--)
                {
                    var spec = layers[i];
                    var (oh, ow) = sizes[i];
                    if (spec.IsConv)
                    {
                        int count = oh * ow * spec.OutChannels;
                        if (guide is null) Guard(() => { _ops.Rectify(signal.View, count); return 0; });
                        else
                        {
                            if (!guide.TryGetValue(spec.Name, out var a) || a.Length != count)
                                throw new ArgumentException($"deconv: guided mode needs {spec.Name}'s forward activation ({oh}, {ow}, {spec.OutChannels})");
                            var forward = Upload(a);
                            owned.Add(forward);
                            var s0 = signal;
                            Guard(() => { _ops.RectifyGuided(s0.View, forward.View, count); return 0; });
                        }
                        var below = _device.Allocate<float>((long)oh * ow * spec.InChannels);   // (H, W, Cin)
                        owned.Add(below);
                        var s1 = signal;
                        Guard(() => { _ops.ConvTranspose(Kernel(spec).View, s1.View, below.View, 1, oh, ow, spec.InChannels, spec.OutChannels); return 0; });
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
                        var up = _device.Allocate<float>((long)ih * iw * spec.OutChannels);   // (H, W, C)
                        owned.Add(up);
                        var s1 = signal;
                        Guard(() => { _ops.Unpool(s1.View, sw.View, up.View, 1, ih, iw, spec.OutChannels); return 0; });
                        signal = up;
                    }
                }
                var result = signal;
                return Guard(() => Download(result, height * width * 3));
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

    private DeviceArray<float> Kernel(LayerSpec spec)
    {
        if (_kernels.TryGetValue(spec.Name, out var b)) return b;
        b = Upload(_weights[spec.Name].Kernel.Span);   // (3, 3, Cin, Cout)
        _kernels[spec.Name] = b;
        return b;
    }

    private DeviceArray<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var b = _device.Allocate<T>(data.Length);
        try { b.Write(data); }
        catch { b.Dispose(); throw; }
        return b;
    }

    private DeviceArray<float> Upload(ReadOnlySpan<float> data) => Upload<float>(data);

    private static float[] Download(DeviceArray<float> b, int count)
    {
        var r = new float[count];
        b.Read(r);
        return r;
    }

    /// <summary>Kernel launches throw ILGPU's exceptions; the library throws <see cref="DeviceException"/>s.</summary>
    private T Guard<T>(Func<T> call)
    {
        try { return call(); }
        catch (Exception e) when (GpuDevice.IsDeviceFailure(e)) { throw GpuDevice.Translate(_device.Id, "a deconvnet op", e); }
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
