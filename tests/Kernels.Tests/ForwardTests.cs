using System.Diagnostics;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Whole VGG16 through <see cref="GpuBackend"/> on ILGPU's CPU accelerator (<c>ilgpu-cpu</c>): full channel widths
/// (64 … 512), no top, a 32×32 input (the smallest VGG16 takes, as with <c>--size native</c>), every one of the 18
/// layers against the CPU engine within 1e-4 of the layer's max |value|, every pool's switches identical except near
/// ties. The rungs a whole forward is affordable for on the emulator: regblock (ilgpu-cpu's default, no barriers) and
/// winograd (regblock below 128 input channels); naive and tiled are checked layer by layer in ConvLadderTests.
/// </summary>
[Collection("Emulator")]
public sealed class ForwardTests(ITestOutputHelper output)
{
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(7, includeTop: false));
    private const int Side = 32;

    private static readonly Lazy<(Tensor Input, RecordingTap Reference)> Cpu = new(() =>
    {
        var input = new Tensor(DeviceRun.Random(11, 2 * Side * Side * 3, 120f), 2, Side, Side, 3);   // batch 2, mean-subtracted pixel range
        using var cpu = new CpuBackend(Weights.Value);
        var tap = new RecordingTap();
        cpu.Forward(input, tap);
        return (input, tap);
    });

    [Theory]
    [InlineData("regblock")]
    [InlineData("winograd")]
    public void EveryLayerAndSwitchMatchesTheCpuEngine(string rung)
    {
        var (input, reference) = Cpu.Value;
        using var gpu = new GpuBackend(DeviceCatalog.OpenEmulator(), Weights.Value, ConvRungs.Parse(rung, ConvRung.RegBlock));
        var tap = new RecordingTap();
        var clock = Stopwatch.StartNew();
        var result = gpu.Forward(input, tap);
        output.WriteLine($"ilgpu-cpu {rung}: VGG16 notop, batch 2, {Side}×{Side}, full widths: {clock.Elapsed.TotalSeconds:F1} s (emulator, not a speed)");
        AssertSameAsCpu(reference, tap, Weights.Value, rung);
        Assert.Equal(tap.Activations["block5_pool"].Data, result.Data);   // the result is the last layer, as the tap got it
    }

    internal static void AssertSameAsCpu(RecordingTap reference, RecordingTap tap, Vgg16Weights weights, string what)
    {
        float[]? poolInput = null;
        double inputError = 0;
        int flips = 0;
        foreach (var layer in weights.Layers)
        {
            Assert.True(tap.Activations.ContainsKey(layer.Name), $"{layer.Name} was not handed to the tap");
            var expected = reference.Activations[layer.Name];
            var actual = tap.Activations[layer.Name];
            Assert.Equal(expected.Shape, actual.Shape);
            double err = Compare.AssertClose(expected.Data, actual.Data, 1e-4, $"{what} {layer.Name}");
            if (layer.IsPool)
            {
                Assert.Equal(actual.Shape, tap.Switches[layer.Name].Shape);
                double maxRef = expected.Data.Max(MathF.Abs);
                flips += Switches.AssertSame($"{what} {layer.Name}", reference.Switches[layer.Name].Data, tap.Switches[layer.Name].Data,
                    poolInput!, actual.Shape[2] * 2, layer.OutChannels, 2 * inputError + 1e-6 * maxRef);
            }
            poolInput = expected.Data;
            inputError = err * expected.Data.Max(MathF.Abs);
        }
        Assert.True(flips < 10, $"{flips} near-tie switch flips: too many to be rounding");
    }

    [Fact]
    public void ABatchSplitIntoPassesGivesTheSameLayersAndUsesLessDeviceMemory()
    {
        var (input, reference) = Cpu.Value;
        using var gpu = new GpuBackend(DeviceCatalog.OpenEmulator(), Weights.Value, ConvRung.RegBlock) { MaxImagesPerPass = 1 };
        long weightsBytes = gpu.Device.LiveBytes;
        var tap = new RecordingTap(new[] { "block1_conv2", "block3_pool", "block5_pool" });
        gpu.Forward(input, tap);   // batch 2 in two passes of one image
        foreach (string name in new[] { "block1_conv2", "block3_pool", "block5_pool" })
            Compare.AssertClose(reference.Activations[name].Data, tap.Activations[name].Data, 1e-4, $"two passes {name}");
        Assert.Equal(reference.Switches["block3_pool"].Data, tap.Switches["block3_pool"].Data);
        Assert.Equal(new[] { "block3_pool", "block5_pool" }, tap.Switches.Keys.OrderBy(k => k));   // only what the tap wants
        long activationBytes = gpu.Device.PeakBytes - weightsBytes;
        // One image's buffers: input + 2 × block1_conv2 (32·32·64) + block1_pool switches (16·16·64), in floats.
        long oneImage = 4L * (Side * Side * 3 + 2 * Side * Side * 64 + 16 * 16 * 64);
        Assert.Equal(oneImage, activationBytes);
    }

    [Fact]
    public void DeviceMemoryIsBoundedByTheBudgetAndAnImageThatCannotFitFailsWithOneLine()
    {
        using var device = DeviceCatalog.OpenEmulator();
        var e = Assert.Throws<DeviceOutOfMemoryException>(() => device.Allocate<float>(long.MaxValue / 8));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("out of device memory", e.Message);
        Assert.Equal(0, device.LiveBytes);   // the refused allocation was not counted
    }

    [Fact]
    public void ATapThatWantsNothingGetsNothingAndBadInputIsRejected()
    {
        using var gpu = new GpuBackend(DeviceCatalog.OpenEmulator(), Weights.Value, ConvRung.RegBlock);
        var tap = new RecordingTap(Array.Empty<string>());
        var result = gpu.Forward(new Tensor(DeviceRun.Random(2, 33 * 35 * 3, 100f), 1, 33, 35, 3), tap);   // odd sizes
        Assert.Equal(new[] { 1, 1, 1, 512 }, result.Shape);
        Assert.Empty(tap.Activations);
        Assert.Empty(tap.Switches);
        Assert.Throws<InputShapeException>(() => gpu.Forward(new Tensor(1, 16, 16, 3)));
        Assert.Throws<InputShapeException>(() => gpu.Forward(new Tensor(1, 40, 40, 4)));
    }
}
