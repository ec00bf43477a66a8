using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Whole VGG16 (random He-scaled weights, notop) on OpenCL: every rung at 64×48 against a forward made of the
/// scalar oracles, every layer compared (1e-4 of the layer's max |value|; switches identical except near ties);
/// and one 224×224 forward against the CPU engine.
/// </summary>
[Collection("OpenCL")]
public sealed class ForwardTests
{
    private readonly OpenClFixture _cl;
    public ForwardTests(OpenClFixture cl) => _cl = cl;

    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(7, includeTop: false));
    private const int H = 48, W = 64;
    private static readonly Lazy<(float[] Input, ScalarForward.Result Reference)> Small = new(() =>
    {
        float[] input = DeviceRun.Random(11, H * W * 3, 120f);   // (1, 48, 64, 3), the range of mean-subtracted pixels
        return (input, ScalarForward.Run(Weights.Value, input, H, W));
    });

    public static TheoryData<string> Rungs => new() { "naive", "tiled", "regblock", "winograd" };

    [SkippableTheory]
    [MemberData(nameof(Rungs))]
    public void EveryLayerMatchesTheScalarForward(string rung)
    {
        _cl.Require();
        var (input, reference) = Small.Value;
        using var backend = new OpenClBackend(0, Weights.Value, ConvRungs.Parse(rung, ConvRung.Naive));
        var tap = new RecordingTap();
        var result = backend.Forward(new Tensor(input, 1, H, W, 3), tap);

        Assert.Equal(new[] { 1, 1, 2, 512 }, result.Shape);
        float[]? poolInput = null;
        double inputError = 0;
        int flips = 0;
        foreach (var layer in Weights.Value.Layers)
        {
            Assert.True(tap.Activations.ContainsKey(layer.Name), $"{layer.Name} was not handed to the tap");
            var actual = tap.Activations[layer.Name];
            Assert.Equal(reference.Shapes[layer.Name], actual.Shape);
            double err = Compare.AssertClose(reference.Activations[layer.Name], actual.Data, 1e-4, $"{rung} {layer.Name}");
            if (layer.IsPool)
            {
                Assert.Equal(actual.Shape, tap.Switches[layer.Name].Shape);
                double maxRef = reference.Activations[layer.Name].Max(MathF.Abs);
                flips += Switches.AssertSame($"{rung} {layer.Name}", reference.Switches[layer.Name], tap.Switches[layer.Name].Data,
                    poolInput!, actual.Shape[2] * 2, layer.OutChannels, 2 * inputError + 1e-6 * maxRef);
            }
            poolInput = reference.Activations[layer.Name];
            inputError = err * reference.Activations[layer.Name].Max(MathF.Abs);
        }
        Assert.Equal(tap.Activations["block5_pool"].Data, result.Data);   // the result is the last layer, as the tap got it
        Assert.True(flips < 50, $"{flips} near-tie switch flips: too many to be rounding");
    }

    [SkippableFact]
    public void FullSizeForwardMatchesTheCpuEngine()
    {
        _cl.Require();
        float[] data = DeviceRun.Random(5, 224 * 224 * 3, 120f);
        var input = new Tensor(data, 1, 224, 224, 3);
        using var cpu = new CpuBackend(Weights.Value);
        using var gpu = new OpenClBackend(0, Weights.Value);   // the device's default rung
        var only = new[] { "block1_conv2", "block3_conv3", "block5_pool" };
        var cpuTap = new RecordingTap(only);
        var gpuTap = new RecordingTap(only);
        var expected = cpu.Forward(input, cpuTap);
        var actual = gpu.Forward(input, gpuTap);
        Assert.Equal(only.OrderBy(s => s), gpuTap.Activations.Keys.OrderBy(s => s));   // only what the tap wants
        Assert.Equal(new[] { "block5_pool" }, gpuTap.Switches.Keys);
        foreach (string name in only)
            Compare.AssertClose(cpuTap.Activations[name].Data, gpuTap.Activations[name].Data, 1e-4, $"224×224 {name} vs CPU engine");
        Compare.AssertClose(expected.Data, actual.Data, 1e-4, "224×224 result vs CPU engine");
    }

    [SkippableFact]
    public void ATapThatWantsNothingGetsNothingAndBadInputIsRejected()
    {
        _cl.Require();
        using var gpu = new OpenClBackend(0, Weights.Value, ConvRung.RegBlock);
        var tap = new RecordingTap(Array.Empty<string>());
        var result = gpu.Forward(new Tensor(DeviceRun.Random(2, 2 * 32 * 40 * 3, 100f), 2, 32, 40, 3), tap);
        Assert.Equal(new[] { 2, 1, 1, 512 }, result.Shape);
        Assert.Empty(tap.Activations);
        Assert.Empty(tap.Switches);
        Assert.Throws<InputShapeException>(() => gpu.Forward(new Tensor(1, 16, 16, 3)));
        Assert.Throws<InputShapeException>(() => gpu.Forward(new Tensor(1, 40, 40, 4)));
    }
}
