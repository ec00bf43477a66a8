using CnnEngine.Model;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The VGG16 weights of the committed tiny network case, recomputed from the same formula as
/// tests/fixtures/tiny/make_tiny.py (hash_uniform / hash_weights) so no 59 MB file has to be committed:
///   U_i = ((i · 0x9E3779B1 + salt · 0x85EBCA77) mod 2^32 >> 8) · 2^-24 − 0.5   (exact in float32)
///   kernel = U · float32(2·sqrt(6 / (9·Cin))), salt 2·layerIndex + 1;  bias = U · 0.2f, salt 2·layerIndex + 2,
/// where layerIndex counts all 18 conv/pool layers in order. Checked against net_weights_check.json.
/// </summary>
internal static class TinyNetWeights
{
    public static float[] HashUniform(int count, int salt)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            uint u = unchecked((uint)i * 0x9E3779B1u + (uint)salt * 0x85EBCA77u) >> 8;
            values[i] = (float)u * (1f / 16777216f) - 0.5f;
        }
        return values;
    }

    public static Dictionary<string, (float[] Kernel, float[] Bias)> Arrays()
    {
        var arrays = new Dictionary<string, (float[] Kernel, float[] Bias)>();
        var layers = Vgg16Architecture.ConvBase;
        for (int li = 0; li < layers.Count; li++)
        {
            var layer = layers[li];
            if (!layer.IsConv) continue;
            float scale = (float)(2.0 * Math.Sqrt(6.0 / (9 * layer.InChannels)));
            float[] kernel = HashUniform(9 * layer.InChannels * layer.OutChannels, 2 * li + 1);
            for (int i = 0; i < kernel.Length; i++) kernel[i] *= scale;
            float[] bias = HashUniform(layer.OutChannels, 2 * li + 2);
            for (int i = 0; i < bias.Length; i++) bias[i] *= 0.2f;
            arrays[layer.Name] = (kernel, bias);
        }
        return arrays;
    }

    private static readonly Lazy<Vgg16Weights> Cached = new(() => Vgg16Weights.FromArrays(Arrays(), "tiny hash weights"));

    public static Vgg16Weights Weights => Cached.Value;
}
