using CnnEngine.Deconv.Tests.Support;
using CnnEngine.Kernels;
using CnnEngine.Model;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Projection;

/// <summary>
/// Projections descending on a kernel device — ILGPU's CPU accelerator (ilgpu-cpu), which runs the GPU kernels on the
/// CPU here and in CI — through the kernels' unpool, rectify and transposed-conv kernels, against the same projection
/// on the CPU path (itself checked against PyTorch).
/// </summary>
public class DeviceProjectionTests
{
    [Fact]
    public void DeviceDescentMatchesTheCpuProjection()
    {
        var device = Devices.List().Single(d => d.Id == "ilgpu-cpu");

        var weights = Vgg16Weights.Random(21);
        var rng = new Random(4);
        var input = new CnnEngine.Tensors.Tensor(1, 37, 45, 3); // odd sizes: 37×45 → 18×22 → 9×11 → 4×5 → 2×2 → 1×1
        for (int i = 0; i < input.Data.Length; i++) input.Data[i] = (float)(rng.NextDouble() * 200 - 100);
        using var backend = new TestForwardBackend(weights);
        var tap = Projector.Record(backend, input, "block5_pool");
        using var ops = Devices.OpenDeconvOps(device.Id, weights);
        using var cpu = new Projector(weights);
        using var gpu = new Projector(weights, device: ops.Down);
        Assert.True(gpu.OnDevice);
        // One descent through every layer (the emulator is slow; Kernels.Tests has more).
        foreach (var (layer, channel, mode) in new[] { ("block5_conv3", 311, ProjectionMode.Map) })
        {
            var expected = cpu.Project(tap, layer, channel, mode).Pixels.Data;
            Assert.Contains(expected, v => v != 0);
            Compare.AssertClose(expected, gpu.Project(tap, layer, channel, mode).Pixels.Data, 1e-4, $"{device.Id} {layer}:{channel}:{mode}");
        }
    }
}
