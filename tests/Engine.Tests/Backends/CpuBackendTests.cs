using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Backends;

/// <summary>
/// The CPU backend end to end on small inputs with seeded random weights, against a forward pass built only
/// from the scalar oracles (<see cref="ScalarVgg16"/>). Tolerance: every layer within 1e-4 of that layer's
/// max |reference| (13 layers of float sums in a different order). Switches: identical, except where the
/// reference itself has a near-tie (the two candidates differ by less than the tolerance) — checked explicitly.
/// </summary>
public class CpuBackendTests
{
    private const double Tolerance = 1e-4;

    private static Tensor RandomInput(int n, int h, int w, int seed)
    {
        var t = new Tensor(n, h, w, 3);
        float[] v = TestData.Uniform(t.Data.Length, seed);
        for (int i = 0; i < v.Length; i++) t.Data[i] = v[i] * 120f; // the range of mean-subtracted BGR pixels
        return t;
    }

    [Theory]
    [InlineData(1, 32, 32, 1)]
    [InlineData(2, 40, 36, 2)]
    [InlineData(1, 37, 45, 0)]
    public void EveryLayerAndSwitchMatchesScalarForward(int n, int h, int w, int threads)
    {
        using var weights = Vgg16Weights.Random(seed: 5, includeTop: false);
        var input = RandomInput(n, h, w, seed: h * w);
        var (refActivations, refSwitches) = ScalarVgg16.Forward(weights, input);

        using var backend = new CpuBackend(weights, threads);
        var tap = new RecordingTap();
        Tensor result = backend.Forward(input, tap);

        foreach (var layer in weights.Layers)
        {
            Assert.True(tap.Activations.ContainsKey(layer.Name), $"tap never received {layer.Name}");
            var expected = refActivations[layer.Name];
            var actual = tap.Activations[layer.Name];
            Assert.Equal(expected.Shape, actual.Shape);
            Compare.AssertClose(expected.Data, actual.Data, Tolerance, layer.Name);
            if (layer.IsPool)
            {
                Assert.True(tap.Switches.ContainsKey(layer.Name), $"tap never received {layer.Name} switches");
                CheckSwitches(layer, refActivations, refSwitches[layer.Name], tap.Switches[layer.Name], weights.Layers);
            }
        }
        Assert.Equal(new[] { n, h / 32, w / 32, 512 }, result.Shape);
        Compare.AssertClose(refActivations["block5_pool"].Data, result.Data, Tolerance, "returned tensor");
    }

    /// <summary>Identical switches, or a near-tie in the reference pool input at the two positions.</summary>
    private static void CheckSwitches(LayerSpec pool, Dictionary<string, Tensor> reference, IntTensor expected, IntTensor actual,
        IReadOnlyList<LayerSpec> layers)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        int index = layers.ToList().FindIndex(l => l.Name == pool.Name);
        var poolInput = reference[layers[index - 1].Name]; // (N, H, W, C)
        int n = poolInput.Shape[0], plane = poolInput.Shape[1] * poolInput.Shape[2], c = poolInput.Shape[3];
        float max = poolInput.Data.Max(Math.Abs);
        int per = expected.Data.Length / n, mismatches = 0;
        for (int i = 0; i < expected.Data.Length; i++)
        {
            if (expected.Data[i] == actual.Data[i]) continue;
            mismatches++;
            int image = i / per, ch = i % c;
            float a = poolInput.Data[(image * plane + expected.Data[i]) * c + ch];
            float b = poolInput.Data[(image * plane + actual.Data[i]) * c + ch];
            Assert.True(Math.Abs(a - b) <= Tolerance * max,
                $"{pool.Name} switch {i}: expected {expected.Data[i]}, got {actual.Data[i]}, and the values differ by {Math.Abs(a - b)} (not a near-tie)");
        }
        Assert.True(mismatches <= expected.Data.Length / 1000 + 1, $"{pool.Name}: {mismatches} switches differ");
    }

    [Fact]
    public void TapReceivesOnlyWhatItWants_AndTensorsAreNotReused()
    {
        using var weights = Vgg16Weights.Random(seed: 3);
        using var backend = new CpuBackend(weights, threads: 2);
        var input = RandomInput(1, 32, 32, seed: 9);
        var tap = new RecordingTap(new[] { "block1_conv2", "block3_pool" });
        backend.Forward(input, tap);
        Assert.Equal(new[] { "block1_conv2", "block3_pool" }, tap.Activations.Keys.OrderBy(k => k).ToArray());
        Assert.Equal(new[] { "block3_pool" }, tap.Switches.Keys.ToArray());
        Assert.Equal(new[] { 1, 32, 32, 64 }, tap.Activations["block1_conv2"].Shape);
        Assert.Equal(new[] { 1, 4, 4, 256 }, tap.Activations["block3_pool"].Shape);
        Assert.Equal(new[] { 1, 4, 4, 256 }, tap.Switches["block3_pool"].Shape);

        // A second forward on another input must not overwrite what the first handed out.
        float[] first = (float[])tap.Activations["block1_conv2"].Data.Clone();
        var tap2 = new RecordingTap();
        backend.Forward(RandomInput(1, 32, 32, seed: 10), tap2);
        Assert.Equal(first, tap.Activations["block1_conv2"].Data);
        Assert.Equal(18, tap2.Activations.Count);
        Assert.Equal(5, tap2.Switches.Count);
    }

    [Fact]
    public void ForwardWithoutTap_EqualsForwardWithTap()
    {
        using var weights = Vgg16Weights.Random(seed: 4);
        using var backend = new CpuBackend(weights, threads: 2);
        var input = RandomInput(2, 33, 35, seed: 11);
        var plain = backend.Forward(input);
        var tapped = backend.Forward(input, new RecordingTap());
        Assert.Equal(tapped.Shape, plain.Shape);
        Assert.Equal(tapped.Data, plain.Data);
    }

    [Theory]
    [InlineData(new[] { 1, 31, 32, 3 }, "at least 32")]
    [InlineData(new[] { 1, 32, 20, 3 }, "at least 32")]
    [InlineData(new[] { 1, 32, 32, 4 }, "(N, H, W, 3)")]
    [InlineData(new[] { 32, 32, 3 }, "(N, H, W, 3)")]
    [InlineData(new[] { 0, 32, 32, 3 }, "empty")]
    public void BadInputShape_ThrowsTypedException(int[] shape, string phrase)
    {
        using var weights = Vgg16Weights.Random(seed: 1);
        using var backend = new CpuBackend(weights, threads: 1);
        var ex = Assert.Throws<InputShapeException>(() => backend.Forward(new Tensor(shape)));
        Assert.Contains(phrase, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void TopNeeds224()
    {
        var ex = Assert.Throws<InputShapeException>(() => InputShape.Validate(new Tensor(1, 200, 224, 3), hasTop: true));
        Assert.Contains("224×224", ex.Message);
        InputShape.Validate(new Tensor(1, 224, 224, 3), hasTop: true);
        InputShape.Validate(new Tensor(1, 200, 224, 3), hasTop: false);
    }

    [Fact]
    public void DeviceDescription()
    {
        using var weights = Vgg16Weights.Random(seed: 1);
        using var backend = new CpuBackend(weights, threads: 3);
        Assert.Equal("cpu", backend.DeviceId);
        Assert.Contains("3 threads", backend.DeviceName);
        Assert.Same(weights, backend.Weights);
    }
}
