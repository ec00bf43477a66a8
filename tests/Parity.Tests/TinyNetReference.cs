using System.Text.Json;
using CnnEngine.Model;
using CnnEngine.TestSupport;
using CnnEngine.Tensors;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// The committed PyTorch run of VGG16's conv base on a 37×45 input with <see cref="TinyNetWeights"/>
/// (tests/fixtures/tiny/net_*). Small layers are stored whole, big ones as 256 sampled values (512 for switches).
/// </summary>
internal static class TinyNetReference
{
    /// <summary>The parity tolerance: 1e-4 of the layer's max |value|.</summary>
    public const double Tolerance = 1e-4;

    public static Tensor Input()
    {
        var a = TinyFixtures.Load("net_input");
        return new Tensor(a.AsFloat32(), a.Shape);
    }

    private static readonly Lazy<JsonElement> Layers = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyFixtures.Dir, "net_layers.json"))).RootElement);

    public static double MaxAbs(string layer) => Layers.Value.GetProperty(layer).GetProperty("max_abs").GetDouble();
    public static double Fp32Noise(string layer) => Layers.Value.GetProperty(layer).GetProperty("fp32_rel_noise").GetDouble();

    /// <summary>Asserts a layer within tolerance of the reference, relative to the whole layer's max |value|;
    /// returns the measured relative error and the largest absolute error.</summary>
    public static (double Relative, double MaxAbsError) AssertLayer(string layer, Tensor actual, double tolerance = Tolerance)
    {
        double scale = MaxAbs(layer);
        int[] indices;
        float[] expected;
        if (TinyFixtures.Exists($"net_{layer}"))
        {
            var full = TinyFixtures.Load($"net_{layer}");
            Assert.Equal(full.Shape, actual.Shape);
            expected = full.AsFloat32();
            indices = Enumerable.Range(0, expected.Length).ToArray();
        }
        else
        {
            indices = TinyFixtures.Ints($"net_{layer}_idx");
            expected = TinyFixtures.Floats($"net_{layer}_val");
        }
        double maxErr = 0;
        int worst = -1;
        for (int i = 0; i < indices.Length; i++)
        {
            float v = actual.Data[indices[i]];
            Assert.True(float.IsFinite(v), $"{layer}: element {indices[i]} is {v}");
            double err = Math.Abs((double)v - expected[i]);
            if (err > maxErr) { maxErr = err; worst = i; }
        }
        double rel = maxErr / scale;
        Assert.True(rel <= tolerance,
            $"{layer}: error {maxErr:G4} at flat {(worst >= 0 ? indices[worst] : -1)} (expected {(worst >= 0 ? expected[worst] : 0):G7}, got {(worst >= 0 ? actual.Data[indices[worst]] : 0):G7}) is {rel:G3} of max |ref| {scale:G4}, tolerance {tolerance:G3}");
        return (rel, maxErr);
    }

    public static SwitchComparer.Result AssertSwitches(LayerSpec pool, IntTensor actual, Tensor actualPoolInput, double tolerance = Tolerance)
    {
        int h = actualPoolInput.Shape[1], w = actualPoolInput.Shape[2], c = actualPoolInput.Shape[3];
        Assert.Equal(new[] { 1, h / 2, w / 2, c }, actual.Shape);
        int[]? indices = null;
        int[] expected;
        if (TinyFixtures.Exists($"net_{pool.Name}_switches")) expected = TinyFixtures.Ints($"net_{pool.Name}_switches");
        else
        {
            indices = TinyFixtures.Ints($"net_{pool.Name}_sw_idx");
            expected = TinyFixtures.Ints($"net_{pool.Name}_sw_val");
        }
        // Only samples of the reference's pool input exist, so the near-tie margin is the tolerance bound itself.
        string inputLayer = PoolInput(pool).Name;
        double margin = 2 * tolerance * MaxAbs(inputLayer);
        return SwitchComparer.Check(pool.Name, indices, expected, actual.Data, h, w, c, null, actualPoolInput.Data, margin);
    }

    public static LayerSpec PoolInput(LayerSpec pool)
    {
        var layers = Vgg16Architecture.ConvBase;
        int i = layers.ToList().IndexOf(pool);
        return layers[i - 1];
    }
}
