using CnnEngine.Backends;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Deconv.Tests.Support;

/// <summary>
/// A self-contained VGG16 forward for these tests, so they do not depend on the CPU engine's progress:
/// convolutions run as the transposed op of the flipped, channel-swapped kernel (which is the forward conv — see
/// PackedConvTranspose3x3) plus bias and ReLU; pools, dense and softmax are the scalar oracles. Its results are
/// never the expected values: those come from PyTorch.
/// </summary>
internal sealed class TestForwardBackend : IForwardBackend
{
    private readonly Dictionary<string, PackedConvTranspose3x3> _convs = new();
    public string DeviceId => "cpu";
    public string DeviceName => "deconv test forward";
    public Vgg16Weights Weights { get; }
    /// <summary>Stop after this layer (returns its output): lets scan tests run only the cheap first layer.</summary>
    public string? StopAfter { get; init; }

    public TestForwardBackend(Vgg16Weights weights)
    {
        Weights = weights;
        foreach (var layer in Vgg16Architecture.ConvBase.Where(l => l.IsConv))
        {
            // conv(K) = convT(K'') where K''[ky, kx, co, ci] = K[2-ky, 2-kx, ci, co]; Pack(K'') flips it back.
            var k = weights[layer.Name].Kernel.Span;
            int cin = layer.InChannels, cout = layer.OutChannels;
            var swapped = new float[k.Length]; // (3, 3, Cout, Cin)
            for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) for (int ci = 0; ci < cin; ci++) for (int co = 0; co < cout; co++)
                swapped[(((2 - ky) * 3 + (2 - kx)) * cout + co) * cin + ci] = k[((ky * 3 + kx) * cin + ci) * cout + co];
            // own kernel only: this forward must not lean on the CPU engine it may be compared with
            _convs[layer.Name] = PackedConvTranspose3x3.Pack(swapped, cout, cin, useForwardConv: false);
        }
    }

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
    {
        int n = input.Shape[0], h = input.Shape[1], w = input.Shape[2], c = 3;
        var x = input;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            Tensor y;
            if (layer.IsConv)
            {
                y = new Tensor(n, h, w, layer.OutChannels);
                var bias = Weights[layer.Name].Bias.Span;
                for (int i = 0; i < n; i++)
                {
                    var img = y.Image(i);
                    ConvTranspose3x3.Run(x.Image(i), h, w, _convs[layer.Name], img);
                    for (int p = 0; p < img.Length; p++) img[p] = MathF.Max(0, img[p] + bias[p % layer.OutChannels]);
                }
            }
            else
            {
                var sw = new IntTensor(n, h / 2, w / 2, c);
                y = new Tensor(n, h / 2, w / 2, c);
                for (int i = 0; i < n; i++) MaxPool2x2Scalar.Run(x.Image(i), h, w, c, y.Image(i), sw.Image(i));
                h /= 2; w /= 2;
                if (tap?.Wants(layer.Name) == true) tap.OnSwitches(layer, sw);
            }
            c = layer.OutChannels;
            if (tap?.Wants(layer.Name) == true) tap.OnActivation(layer, y);
            x = y;
            if (layer.Name == StopAfter) return x;
        }
        if (!Weights.HasTop) return x;
        var flat = new Tensor(x.Data, n, x.Data.Length / n);
        foreach (var layer in Vgg16Architecture.Top)
        {
            var lw = Weights[layer.Name];
            var y = new Tensor(n, layer.OutChannels);
            DenseScalar.Run(flat.Data, n, layer.InChannels, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y.Data, layer.Activation == Activation.Relu);
            if (layer.Activation == Activation.Softmax) SoftmaxScalar.Run(y.Data, n, layer.OutChannels);
            if (tap?.Wants(layer.Name) == true) tap.OnActivation(layer, y);
            flat = y;
        }
        return flat;
    }

    public void Dispose()
    {
        foreach (var p in _convs.Values) p.Dispose();
    }
}
