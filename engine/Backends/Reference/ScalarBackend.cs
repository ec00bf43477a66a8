using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Reference;

/// <summary>
/// VGG16 run with nothing but the scalar oracles (engine/Ops/*/*Scalar.cs), one image at a time: the reference
/// every fast backend (CPU SIMD, OpenCL, CUDA) is compared with, layer by layer. Slow on purpose — plain loops you can
/// check by eye; for small inputs in tests. Input validation is the CPU engine's.
/// </summary>
public sealed class ScalarBackend : IForwardBackend
{
    public ScalarBackend(Vgg16Weights weights) => Weights = weights;

    public string DeviceId => "scalar";
    public string DeviceName => "scalar reference (the oracles, one thread)";
    public Vgg16Weights Weights { get; }

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        Cpu.InputShape.Validate(input, Weights.HasTop);
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        float[] current = input.Data;   // (N, H, W, C), then (N, K) after the flatten
        Tensor output = input;
        foreach (var layer in Weights.Layers)
        {
            if (layer.IsConv)
            {
                var lw = Weights[layer.Name];
                int inPer = h * w * c, outPer = h * w * layer.OutChannels;
                var y = new float[n * outPer];   // (N, H, W, Cout)
                for (int i = 0; i < n; i++)
                    Conv3x3ReluScalar.Run(current.AsSpan(i * inPer, inPer), h, w, c, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y.AsSpan(i * outPer, outPer));
                c = layer.OutChannels;
                current = y;
                output = new Tensor(y, n, h, w, c);
            }
            else if (layer.IsPool)
            {
                int inPer = h * w * c, outPer = (h / 2) * (w / 2) * c;
                var y = new float[n * outPer];   // (N, H/2, W/2, C)
                var switches = new int[n * outPer];
                for (int i = 0; i < n; i++)
                    MaxPool2x2Scalar.Run(current.AsSpan(i * inPer, inPer), h, w, c, y.AsSpan(i * outPer, outPer), switches.AsSpan(i * outPer, outPer));
                h /= 2; w /= 2;
                current = y;
                output = new Tensor(y, n, h, w, c);
                if (tap?.Wants(layer.Name) == true) tap.OnSwitches(layer, new IntTensor(switches, n, h, w, c));
            }
            else
            {
                // Dense on the channels-last flatten: (N, H·W·C) · (Cin, Cout), exactly Keras's order.
                var lw = Weights[layer.Name];
                var y = new float[n * layer.OutChannels];   // (N, Cout)
                DenseScalar.Run(current, n, h * w * c, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y, layer.Activation == Activation.Relu);
                if (layer.Activation == Activation.Softmax) SoftmaxScalar.Run(y, n, layer.OutChannels);
                h = w = 1; c = layer.OutChannels;
                current = y;
                output = new Tensor(y, n, c);
            }
            if (tap?.Wants(layer.Name) == true) tap.OnActivation(layer, output);
        }
        return output;
    }

    public void Dispose() { }
}
