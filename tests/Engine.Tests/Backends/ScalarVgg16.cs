using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Tensors;

namespace CnnEngine.Tests.Backends;

/// <summary>
/// VGG16 forward built only from the scalar oracles, one image at a time, recording every layer and switch:
/// the reference the CPU backend is compared with. Slow; for small inputs only.
/// </summary>
internal static class ScalarVgg16
{
    public static (Dictionary<string, Tensor> Activations, Dictionary<string, IntTensor> Switches) Forward(Vgg16Weights weights, Tensor input)
    {
        var activations = new Dictionary<string, Tensor>();
        var switches = new Dictionary<string, IntTensor>();
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        float[] current = input.Data; // (N, H, W, C)
        foreach (var layer in weights.Layers)
        {
            if (layer.IsConv)
            {
                var lw = weights[layer.Name];
                int inPer = h * w * c, outPer = h * w * layer.OutChannels;
                var output = new float[n * outPer];
                for (int i = 0; i < n; i++)
                    Conv3x3ReluScalar.Run(current.AsSpan(i * inPer, inPer), h, w, c, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, output.AsSpan(i * outPer, outPer));
                c = layer.OutChannels;
                current = output;
                activations[layer.Name] = new Tensor(output, n, h, w, c);
            }
            else if (layer.IsPool)
            {
                int inPer = h * w * c, outPer = (h / 2) * (w / 2) * c;
                var output = new float[n * outPer]; var sw = new int[n * outPer];
                for (int i = 0; i < n; i++)
                    MaxPool2x2Scalar.Run(current.AsSpan(i * inPer, inPer), h, w, c, output.AsSpan(i * outPer, outPer), sw.AsSpan(i * outPer, outPer));
                h /= 2; w /= 2;
                current = output;
                activations[layer.Name] = new Tensor(output, n, h, w, c);
                switches[layer.Name] = new IntTensor(sw, n, h, w, c);
            }
            else
            {
                var lw = weights[layer.Name];
                int inFeatures = h * w * c;
                var output = new float[n * layer.OutChannels];
                DenseScalar.Run(current, n, inFeatures, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, output, layer.Activation == Activation.Relu);
                if (layer.Activation == Activation.Softmax) SoftmaxScalar.Run(output, n, layer.OutChannels);
                h = w = 1; c = layer.OutChannels;
                current = output;
                activations[layer.Name] = new Tensor(output, n, c);
            }
        }
        return (activations, switches);
    }
}
