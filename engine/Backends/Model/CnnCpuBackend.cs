using System.Runtime.Intrinsics;
using CnnEngine.Model.Cnn;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Model;

/// <summary>
/// A user's CNN on the CPU, layer by layer, every layer's output a fresh (N, H, W, C) / (N, K) tensor (small models:
/// simplicity over buffer reuse). Convolutions: 3×3 stride-1 'same' ones on VGG16's register-blocked kernel
/// (<see cref="Conv3x3"/>, ReLU fused when plain), all others on <see cref="Conv2dGeneral"/> (im2col + SIMD GEMM);
/// pools on <see cref="Pool2d"/>; dense on <see cref="Ops.Dense"/>. With <c>scalar: true</c> every op runs on its oracle
/// instead (<see cref="Conv2dGeneralScalar"/>, <see cref="MaxPool2dScalar"/>, <see cref="DenseScalar"/>, …): the reference
/// the fast path is tested against.
/// </summary>
public sealed class CnnCpuBackend : ICnnBackend
{
    private readonly bool _scalar;
    private readonly Dictionary<string, PackedConv2d> _convs = new();
    private readonly object _lock = new();
    private bool _disposed;

    public string DeviceId { get; }
    public string DeviceName { get; }
    public CnnModel Model { get; }

    public CnnCpuBackend(CnnModel model, bool scalar = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _scalar = scalar;
        DeviceId = scalar ? "scalar" : "cpu";
        string width = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "no SIMD";
        DeviceName = scalar ? "scalar reference (the oracles, one thread)" : $"CPU ({width}, {Environment.ProcessorCount} threads)";
        if (scalar) return;
        try
        {
            foreach (var conv in model.Layers.OfType<ConvLayer>())
                _convs[conv.Name] = new PackedConv2d(conv.Window, conv.Kernel, conv.Bias, conv.InChannels, conv.OutChannels, conv.Input.Width);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CnnInputShape.Validate(input, Model);
        lock (_lock) return Run(input, tap);
    }

    private Tensor Run(Tensor input, ILayerTap? tap)
    {
        int n = input.Shape[0];
        Tensor x = input;
        foreach (var layer in Model.Layers)
        {
            var y = new Tensor(layer.Output.TensorShape(n));
            IntTensor? switches = null;
            var inShape = layer.Input;
            switch (layer)
            {
                case ConvLayer conv: Conv(conv, x, y, n); break;
                case PoolLayer pool when pool.IsMax:
                    switches = new IntTensor(layer.Output.TensorShape(n));
                    if (_scalar)
                        for (int i = 0; i < n; i++)
                            MaxPool2dScalar.Run(x.Image(i), inShape.Height, inShape.Width, inShape.Channels, pool.Window, y.Image(i), switches.Image(i));
                    else Pool2d.Max(x.Data, n, inShape.Height, inShape.Width, inShape.Channels, pool.Window, y.Data, switches.Data);
                    break;
                case PoolLayer pool:
                    if (_scalar)
                        for (int i = 0; i < n; i++)
                            AvgPool2dScalar.Run(x.Image(i), inShape.Height, inShape.Width, inShape.Channels, pool.Window, y.Image(i));
                    else Pool2d.Average(x.Data, n, inShape.Height, inShape.Width, inShape.Channels, pool.Window, y.Data);
                    break;
                case DenseLayer dense:
                    int cin = inShape.Channels, cout = layer.Output.Channels;
                    if (_scalar) DenseScalar.Run(x.Data, n, cin, dense.Kernel, dense.Bias, cout, y.Data, relu: false);
                    else Ops.Dense.Run(x.Data, n, cin, dense.Kernel, dense.Bias, cout, y.Data, relu: false);
                    Elementwise.Activate(y.Data, cout, dense.Activation);
                    break;
                case ActivationLayer act:
                    x.Data.CopyTo(y.Data, 0);
                    Elementwise.Activate(y.Data, inShape.Channels, act.Activation);
                    break;
                case AffineLayer affine:
                    Elementwise.ChannelAffine(x.Data, y.Data, inShape.Channels, affine.Scale, affine.Shift);
                    break;
                case ZeroPaddingLayer pad:
                    Elementwise.ZeroPad(x.Data, n, inShape.Height, inShape.Width, inShape.Channels, pad.Top, pad.Bottom, pad.Left, pad.Right, y.Data);
                    break;
                case FlattenLayer:
                    x.Data.CopyTo(y.Data, 0); // channels last: (H, W, C) row-major is already Keras's flatten order
                    break;
                case GlobalPoolLayer global:
                    Elementwise.GlobalPool(x.Data, n, inShape.Height * inShape.Width, inShape.Channels, global.IsMax, y.Data);
                    break;
                default: throw new InvalidOperationException($"layer {layer.Name} of type {layer.GetType().Name} has no CPU implementation");
            }
            if (tap?.Wants(layer.Name) == true)
            {
                var spec = layer.Spec;
                if (switches is not null) tap.OnSwitches(spec, switches);
                tap.OnActivation(spec, y);
            }
            x = y;
        }
        return x;
    }

    private void Conv(ConvLayer conv, Tensor x, Tensor y, int n)
    {
        var s = conv.Input;
        if (_scalar)
        {
            for (int i = 0; i < n; i++)
                Conv2dGeneralScalar.Run(x.Image(i), s.Height, s.Width, s.Channels, conv.Window, conv.Kernel, conv.Bias, conv.OutChannels, y.Image(i));
            Elementwise.Activate(y.Data, conv.OutChannels, conv.Activation);
            return;
        }
        var packed = _convs[conv.Name];
        bool fused = packed.FusesRelu && conv.Activation.IsPlainRelu;
        packed.Run(x.Data, n, s.Height, s.Width, y.Data, relu: fused);
        if (!fused) Elementwise.Activate(y.Data, conv.OutChannels, conv.Activation);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _convs.Values) p.Dispose();
    }
}
