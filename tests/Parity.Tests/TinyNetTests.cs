using CnnEngine.Backends.Reference;
using System.Text.Json;
using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// End to end on the committed tiny case (no Python needed): VGG16's conv base on a 37×45 input (odd sizes, every
/// pool drops a row or column) with formula weights, against the PyTorch run stored in tests/fixtures/tiny/.
/// </summary>
public class TinyNetTests(ITestOutputHelper output)
{
    [Fact]
    public void Formula_weights_match_the_generator()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyFixtures.Dir, "net_weights_check.json")));
        var arrays = TinyNetWeights.Arrays();
        Assert.Equal(13, arrays.Count);
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            var (kernel, bias) = arrays[entry.Name];
            var first = entry.Value.GetProperty("kernel_first").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            Assert.Equal(first, kernel.Take(first.Length).ToArray());
            double kSum = kernel.Sum(v => (double)v), bSum = bias.Sum(v => (double)v);
            double kRef = entry.Value.GetProperty("kernel_sum").GetDouble(), bRef = entry.Value.GetProperty("bias_sum").GetDouble();
            Assert.True(Math.Abs(kSum - kRef) <= 1e-9 * kernel.Sum(v => Math.Abs((double)v)), $"{entry.Name} kernel sum {kSum} != {kRef}");
            Assert.True(Math.Abs(bSum - bRef) <= 1e-9 * bias.Sum(v => Math.Abs((double)v)), $"{entry.Name} bias sum {bSum} != {bRef}");
        }
    }

    [Fact]
    public void Scalar_oracles_composed_match_pytorch_on_the_tiny_network()
    {
        var reference = new RecordingTap();
        new ScalarBackend(TinyNetWeights.Weights).Forward(TinyNetReference.Input(), reference);
        var (acts, switches) = (reference.Activations, reference.Switches);
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            var (rel, _) = TinyNetReference.AssertLayer(layer.Name, acts[layer.Name]);
            string line = $"{layer.Name,-14} rel err {rel:E2} (reference fp32 noise {TinyNetReference.Fp32Noise(layer.Name):E2})";
            if (layer.IsPool)
                line += "; " + TinyNetReference.AssertSwitches(layer, switches[layer.Name], acts[TinyNetReference.PoolInput(layer).Name]);
            output.WriteLine(line);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void Cpu_backend_matches_pytorch_on_the_tiny_network(int threads)
    {
        using var backend = new CpuBackend(TinyNetWeights.Weights, threads);
        var tap = new RecordingTap();
        var result = backend.Forward(TinyNetReference.Input(), tap);
        Assert.Equal(new[] { 1, 1, 1, 512 }, result.Shape);
        Assert.Equal(18, tap.Activations.Count);
        Assert.Equal(5, tap.Switches.Count);
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            var (rel, _) = TinyNetReference.AssertLayer(layer.Name, tap.Activations[layer.Name]);
            string line = $"{layer.Name,-14} rel err {rel:E2} (reference fp32 noise {TinyNetReference.Fp32Noise(layer.Name):E2})";
            if (layer.IsPool)
                line += "; " + TinyNetReference.AssertSwitches(layer, tap.Switches[layer.Name], tap.Activations[TinyNetReference.PoolInput(layer).Name]);
            output.WriteLine(line);
        }
        TinyNetReference.AssertLayer("block5_pool", result);
    }
}
