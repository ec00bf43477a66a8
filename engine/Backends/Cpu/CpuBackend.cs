using System.Runtime.Intrinsics;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Cpu;

/// <summary>
/// VGG16 on the CPU: the layer list of <see cref="Vgg16Weights.Layers"/> run with the SIMD kernels of
/// CnnEngine.Ops (register-blocked direct 3×3 convolution with fused bias + ReLU, max pool with switches,
/// dense streaming the Keras-layout weights in place, softmax), all cores.
///
/// Buffers: activations a tap does not want go to two reusable ping-pong buffers kept between calls; a layer
/// a tap wants gets a fresh tensor that is handed to the tap and never touched again. Forward calls on one
/// instance are serialized (the buffers are shared).
/// </summary>
public sealed class CpuBackend : IForwardBackend
{
    private readonly Dictionary<string, PackedConv3x3> _convs = new();
    private readonly int _threads;
    private readonly object _forwardLock = new();
    private float[] _ping = Array.Empty<float>(), _pong = Array.Empty<float>();
    private int[] _switchScratch = Array.Empty<int>();
    private bool _disposed;

    public string DeviceId => "cpu";
    public string DeviceName { get; }
    public Vgg16Weights Weights { get; }
    /// <summary>Worker threads used by every kernel.</summary>
    public int Threads => _threads;

    /// <param name="threads">Worker threads; 0 (or less) = all cores.</param>
    public CpuBackend(Vgg16Weights weights, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
        _threads = threads > 0 ? threads : Environment.ProcessorCount;
        foreach (var layer in weights.Layers)
        {
            if (!layer.IsConv) continue;
            var w = weights[layer.Name];
            _convs[layer.Name] = PackedConv3x3.Pack(w.Kernel.Span, w.Bias.Span, layer.InChannels, layer.OutChannels);
        }
        string width = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "no SIMD";
        DeviceName = $"{CpuModelName()} ({width}, {_threads} thread{(_threads == 1 ? "" : "s")})";
    }

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        InputShape.Validate(input, Weights.HasTop);
        lock (_forwardLock) return ForwardLocked(input, tap);
    }

    private Tensor ForwardLocked(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        EnsureScratch(n, h, w);
        float[] current = input.Data;        // (N, H, W, C) or (N, K) after the first dense layer
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
                    var conv = _convs[layer.Name];
                    int per = h * w * layer.OutChannels;
                    float[] output = wanted || isLast ? new float[checked(n * per)] : OtherScratch(current);  // (N, H, W, Cout)
                    for (int i = 0; i < n; i++)
                        Conv3x3.Run(current.AsSpan(i * h * w * c, h * w * c), h, w, conv, output.AsSpan(i * per, per), relu: true, _threads);
                    c = layer.OutChannels;
                    current = output;
                    last = Hand(tap, wanted, layer, output, n, h, w, c);
                    break;
                }
                case LayerKind.MaxPool2x2:
                {
                    int oh = h / 2, ow = w / 2, per = oh * ow * c;
                    float[] output = wanted || isLast ? new float[checked(n * per)] : OtherScratch(current);  // (N, H/2, W/2, C)
                    bool wantSwitches = tap is not null && tap.Wants(layer.Name);
                    int[] switches = wantSwitches ? new int[n * per] : _switchScratch;                      // (N, H/2, W/2, C)
                    for (int i = 0; i < n; i++)
                        MaxPool2x2.Run(current.AsSpan(i * h * w * c, h * w * c), h, w, c, output.AsSpan(i * per, per),
                            switches.AsSpan(wantSwitches ? i * per : 0, per), _threads);
                    h = oh; w = ow;
                    current = output;
                    if (wantSwitches) tap!.OnSwitches(layer, new IntTensor(switches, n, h, w, c));
                    last = Hand(tap, wanted, layer, output, n, h, w, c);
                    break;
                }
                case LayerKind.Dense:
                {
                    int inFeatures = h * w * c;    // channels-last flatten: (N, H, W, C) is already (N, H·W·C)
                    if (inFeatures != layer.InChannels)
                        throw new InputShapeException($"{layer.Name} needs {layer.InChannels} inputs but the conv base gives {inFeatures}");
                    var lw = Weights[layer.Name];
                    var output = new float[checked(n * layer.OutChannels)];  // (N, K): small, always fresh
                    Dense.Run(current.AsSpan(0, n * inFeatures), n, inFeatures, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, output,
                        relu: layer.Activation == Activation.Relu, _threads);
                    if (layer.Activation == Activation.Softmax) Softmax.Run(output, n, layer.OutChannels);
                    h = 1; w = 1; c = layer.OutChannels;
                    current = output;
                    var tensor = new Tensor(output, n, c);
                    if (wanted) tap!.OnActivation(layer, tensor);
                    last = tensor;
                    break;
                }
            }
        }
        return last ?? throw new InvalidOperationException("the network has no layers");
    }

    /// <summary>Gives the tap its (fresh) tensor; returns it as the possible result.</summary>
    private static Tensor? Hand(ILayerTap? tap, bool wanted, LayerSpec layer, float[] output, int n, int h, int w, int c)
    {
        if (output.Length != (long)n * h * w * c) return null;  // a scratch buffer: never escapes
        var tensor = new Tensor(output, n, h, w, c);
        if (wanted) tap!.OnActivation(layer, tensor);
        return tensor;
    }

    private float[] OtherScratch(float[] current) => ReferenceEquals(current, _ping) ? _pong : _ping;

    /// <summary>Grows the ping-pong buffers to the largest activation of this batch and size (kept between calls).</summary>
    private void EnsureScratch(int n, int h, int w)
    {
        long largest = 0, largestPool = 0;
        int c = 3;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsConv) { c = layer.OutChannels; largest = Math.Max(largest, (long)n * h * w * c); }
            else { h /= 2; w /= 2; largestPool = Math.Max(largestPool, (long)n * h * w * c); }
        }
        int need = checked((int)largest);
        if (_ping.Length < need) { _ping = new float[need]; _pong = new float[need]; }
        if (_switchScratch.Length < largestPool / n) _switchScratch = new int[checked((int)(largestPool / n))];
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
        _convs.Clear();
    }
}
