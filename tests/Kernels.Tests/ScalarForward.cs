using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Tests;

/// <summary>VGG16 forward made only of the scalar oracles (engine/Ops/*/*Scalar.cs): the reference for the GPU forward.</summary>
internal static class ScalarForward
{
    public sealed record Result(Dictionary<string, float[]> Activations, Dictionary<string, int[]> Switches, Dictionary<string, int[]> Shapes);

    public static Result Run(Vgg16Weights weights, float[] input /* (1, H, W, 3) */, int h, int w)
    {
        var acts = new Dictionary<string, float[]>();
        var sw = new Dictionary<string, int[]>();
        var shapes = new Dictionary<string, int[]>();
        float[] x = input;
        int c = 3;
        foreach (var layer in weights.Layers)
        {
            if (layer.IsConv)
            {
                var lw = weights[layer.Name];
                var y = new float[h * w * layer.OutChannels];   // (H, W, Cout)
                Conv3x3ReluScalar.Run(x, h, w, c, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y);
                x = y; c = layer.OutChannels;
            }
            else if (layer.IsPool)
            {
                var y = new float[(h / 2) * (w / 2) * c];        // (H/2, W/2, C)
                var s = new int[y.Length];
                MaxPool2x2Scalar.Run(x, h, w, c, y, s);
                sw[layer.Name] = s;
                x = y; h /= 2; w /= 2;
            }
            else
            {
                var lw = weights[layer.Name];
                var y = new float[layer.OutChannels];
                DenseScalar.Run(x, 1, x.Length, lw.Kernel.Span, lw.Bias.Span, layer.OutChannels, y, layer.Activation == Activation.Relu);
                if (layer.Activation == Activation.Softmax) SoftmaxScalar.Run(y, 1, layer.OutChannels);
                x = y; h = 1; w = 1; c = layer.OutChannels;
            }
            acts[layer.Name] = x;
            shapes[layer.Name] = layer.IsDense ? new[] { 1, c } : new[] { 1, h, w, c };
        }
        return new Result(acts, sw, shapes);
    }
}

/// <summary>
/// Switch comparison that allows only near-tie flips: where the device picked a different position than the
/// reference, the two candidates' values in the reference's pool input must differ by at most <c>margin</c>
/// (2 × the largest error measured on that input: anything beyond cannot be rounding). Returns the flip count.
/// </summary>
internal static class Switches
{
    public static int AssertSame(string what, int[] expected, int[] actual, float[] referenceInput, int width, int channels, double margin)
    {
        Assert.Equal(expected.Length, actual.Length);
        int flips = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            int c = i % channels;
            float a = referenceInput[expected[i] * channels + c], b = referenceInput[actual[i] * channels + c];
            Assert.True(Math.Abs(a - b) <= margin,
                $"{what}: switch {i} is {actual[i]}, reference {expected[i]}; values {b} vs {a} differ by more than the near-tie margin {margin:G3}");
            flips++;
        }
        return flips;
    }
}
