using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Tensors;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// VGG16's conv base composed from the scalar oracles only (one image). Used to check the oracles themselves,
/// end to end, against PyTorch on the tiny network.
/// </summary>
internal static class ScalarVgg16
{
    public static (Dictionary<string, Tensor> Activations, Dictionary<string, IntTensor> Switches) ConvBase(Vgg16Weights weights, Tensor input)
    {
        var acts = new Dictionary<string, Tensor>();
        var switches = new Dictionary<string, IntTensor>();
        int h = input.Shape[1], w = input.Shape[2], c = input.Shape[3];
        float[] x = input.Data; // (H, W, C)
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsConv)
            {
                var lw = weights[layer.Name];
                var y = new float[h * w * layer.OutChannels]; // (H, W, Cout)
                Conv3x3ReluScalar.Run(x, h, w, c, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y);
                x = y; c = layer.OutChannels;
            }
            else
            {
                var y = new float[(h / 2) * (w / 2) * c]; // (H/2, W/2, C)
                var s = new int[y.Length];
                MaxPool2x2Scalar.Run(x, h, w, c, y, s);
                h /= 2; w /= 2; x = y;
                switches[layer.Name] = new IntTensor(s, 1, h, w, c);
            }
            acts[layer.Name] = new Tensor(x, 1, h, w, c);
        }
        return (acts, switches);
    }
}
