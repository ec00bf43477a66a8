using CnnEngine.Backends.Cpu;
using CnnEngine.Deconv;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// The deconvnet through the GPU ops on <c>ilgpu-cpu</c> against the CPU projector (itself checked against PyTorch in
/// Deconv.Tests): one projection descending on the device (map mode, through unpool, rectify and transposed conv at
/// full widths), one in guided mode, one occlusion map whose forwards run on the device; plus the single ops and the
/// refusal of switches the device did not make.
/// </summary>
[Collection("Emulator")]
public sealed class DeconvOnDeviceTests
{
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(9, includeTop: false));
    private const int H = 33, W = 37;   // odd sizes: 33×37 → 16×18 → 8×9 → 4×4 (small: the emulator is slow; VGG16 needs ≥ 32)

    private static Tensor Input() => new(DeviceRun.Random(1, H * W * 3, 100f), 1, H, W, 3);

    [Fact]
    public void AProjectionOnTheDeviceMatchesTheCpuProjector()
    {
        var weights = Weights.Value;
        using var cpuBackend = new CpuBackend(weights);
        var tap = Projector.Record(cpuBackend, Input(), "block3_conv1");
        using var ops = Devices.OpenDeconvOps("ilgpu-cpu", weights);
        using var cpu = new Projector(weights);
        using var gpu = new Projector(weights, device: ops.Down);
        Assert.True(gpu.OnDevice);
        var expected = cpu.Project(tap, "block3_conv1", 77, ProjectionMode.Map).Pixels.Data;
        Assert.Contains(expected, v => v != 0);
        Compare.AssertClose(expected, gpu.Project(tap, "block3_conv1", 77, ProjectionMode.Map).Pixels.Data, 1e-4, "ilgpu-cpu block3_conv1:77 map");
    }

    [Fact]
    public void AGuidedDescentOnTheDeviceMatchesTheCpuProjector()
    {
        var weights = Weights.Value;
        using var cpuBackend = new CpuBackend(weights);
        var tap = Projector.Record(cpuBackend, Input(), "block2_conv2");
        using var cpu = new Projector(weights);
        var act = tap.Activations["block2_conv2"];
        int h = act.Shape[1], w = act.Shape[2], c = act.Shape[3], channel = 5;
        var (y, x, _) = ProjectionSeed.Strongest(act.Image(0).ToArray(), h, w, c, channel);
        var expected = cpu.ProjectAt(tap, "block2_conv2", channel, y, x, ProjectionMode.Guided).Pixels.Data;
        Assert.Contains(expected, v => v != 0);

        var seed = new float[h * w * c];
        seed[(y * w + x) * c + channel] = act.Image(0)[(y * w + x) * c + channel];
        var switches = tap.Switches.ToDictionary(kv => kv.Key, kv => kv.Value.Data);
        var forward = tap.Activations.Where(kv => Vgg16Architecture.Find(kv.Key) is { IsConv: true }).ToDictionary(kv => kv.Key, kv => kv.Value.Data);
        using var ops = Devices.OpenDeconvOps("ilgpu-cpu", weights);
        Compare.AssertClose(expected, ops.DownGuided("block2_conv2", seed, switches, forward, H, W), 1e-4, "ilgpu-cpu guided block2_conv2:5");
    }

    [Fact]
    public void AnOcclusionMapOnTheDeviceMatchesTheCpuEngine()
    {
        var weights = Weights.Value;
        var input = new Tensor(DeviceRun.Random(3, 32 * 32 * 3, 100f), 1, 32, 32, 3);
        using var cpu = new CpuBackend(weights);
        using var gpu = new GpuBackend(DeviceCatalog.OpenEmulator(), weights, ConvRung.RegBlock);
        var expected = Occlusion.Run(cpu, input, "block4_conv1", patch: 16, stride: 16);   // 2×2 occluder positions
        var actual = Occlusion.Run(gpu, input, "block4_conv1", patch: 16, stride: 16);
        Assert.Equal((2, 2), (actual.Rows, actual.Cols));
        Assert.Equal(expected.StrongestChannel, actual.StrongestChannel);
        Compare.AssertClose(new[] { expected.BaselineActivation }, new[] { actual.BaselineActivation }, 1e-4, "occlusion baseline");
        Compare.AssertClose(expected.Activation, actual.Activation, 1e-4, "ilgpu-cpu occlusion map block4_conv1");
    }

    [Fact]
    public void SingleOpsMatchTheOraclesAndForeignSwitchesAreRefused()
    {
        using var ops = Devices.OpenDeconvOps("ilgpu-cpu", Weights.Value);
        Assert.Equal("ilgpu-cpu", ops.DeviceId);
        float[] signal = DeviceRun.Random(3, 5 * 7 * 64);
        var expected = new float[5 * 7 * 64];
        ConvTranspose3x3Scalar.Run(signal, 5, 7, 64, Weights.Value["block1_conv2"].Kernel.Span, 64, expected);
        Compare.AssertClose(expected, ops.ConvTranspose("block1_conv2", signal, 5, 7), 1e-5, "conv-transpose block1_conv2");

        float[] values = { -1, 0, 3, float.NaN, -0.5f };
        float[] rectified = (float[])values.Clone();
        RectifyScalar.Run(rectified);
        ops.Rectify(values);
        Assert.Equal(rectified, values);

        float[] pooled = { 1, 2 };
        int[] switches = { 0, 3 };                // a 2×4 plane: pooled (0,0) from x=0, (0,1) from x=3
        var unpooled = new float[8];
        Unpool2x2Scalar.Run(pooled, switches, 2, 4, 1, unpooled);
        Assert.Equal(unpooled, ops.Unpool(pooled, switches, 2, 4, 1));
        var e = Assert.Throws<ArgumentException>(() => ops.Unpool(pooled, new[] { 0, 1 }, 2, 4, 1));   // 1 is in the first window, not the second
        Assert.Contains("outside its 2×2 window", e.Message);
    }
}
