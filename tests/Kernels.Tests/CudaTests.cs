using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// The same kernels compiled by NVRTC and run through the CUDA driver API. Wherever no CUDA device exists these
/// report "skipped: no CUDA device" — they never pass without running.
/// </summary>
public sealed class CudaTests
{
    private static readonly Lazy<(CudaDevice? Device, GpuOps? Ops)> Cuda = new(() =>
    {
        if (CudaDiscovery.Devices.Count == 0) return (null, null);
        var d = new CudaDevice(0);
        return (d, new GpuOps(d));
    });

    private static GpuOps Require()
    {
        Skip.If(CudaDiscovery.Devices.Count == 0, "skipped: no CUDA device" + (CudaDiscovery.Problem is { } p ? $" ({p})" : ""));
        return Cuda.Value.Ops!;
    }

    public static TheoryData<string> Rungs => new() { "naive", "tiled", "regblock", "winograd" };

    [SkippableTheory]
    [MemberData(nameof(Rungs))]
    public void ConvLadderMatchesOracleOnCuda(string rungName)
    {
        var ops = Require();
        var rung = ConvRungs.Parse(rungName, ConvRung.Naive);
        for (int c = 1; c <= 17; c++)
            ConvLadderTests.Check(ops, rung, 1, 5 + c % 3, 3 + c % 5, c, 18 - c, c % 2 == 0, c);
        ConvLadderTests.Check(ops, rung, 2, 7, 15, 16, 33, true, 4);
        ConvLadderTests.Check(ops, rung, 1, 9, 23, 35, 64, true, 5);
    }

    [SkippableFact]
    public void PoolAndDeconvOpsMatchOraclesOnCuda()
    {
        var ops = Require();
        var d = ops.Device;
        int h = 9, w = 13, c = 17;
        float[] input = DeviceRun.Quantized(1, h * w * c);
        int per = (h / 2) * (w / 2) * c;
        var expected = new float[per];
        var switches = new int[per];
        MaxPool2x2Scalar.Run(input, h, w, c, expected, switches);
        using var x = DeviceRun.Upload(d, input);
        using var y = d.Allocate(per * 4L);
        using var s = d.Allocate(per * 4L);
        ops.MaxPool(x, y, s, 1, h, w, c);
        Assert.Equal(expected, DeviceRun.Download(d, y, per));
        Assert.Equal(switches, DeviceRun.DownloadInts(d, s, per));

        var unpooled = new float[h * w * c];
        Unpool2x2Scalar.Run(expected, switches, h, w, c, unpooled);
        using var u = d.Allocate(h * w * c * 4L);
        ops.Unpool(y, s, u, 1, h, w, c);
        Assert.Equal(unpooled, DeviceRun.Download(d, u, h * w * c));

        float[] kernel = DeviceRun.Random(2, 9 * 5 * c, 0.5f);
        var back = new float[h * w * 5];
        ConvTranspose3x3Scalar.Run(unpooled, h, w, c, kernel, 5, back);
        using var k = DeviceRun.Upload(d, kernel);
        using var b = d.Allocate(h * w * 5 * 4L);
        ops.ConvTranspose(k, u, b, 1, h, w, 5, c);
        Compare.AssertClose(back, DeviceRun.Download(d, b, h * w * 5), 1e-5, "conv-transpose on CUDA");
    }

    [SkippableFact]
    public void FullSizeForwardMatchesTheCpuEngineOnCuda()
    {
        Require();
        using var weights = Vgg16Weights.Random(7, includeTop: true);
        var input = new Tensor(DeviceRun.Random(5, 224 * 224 * 3, 120f), 1, 224, 224, 3);
        using var cpu = new CpuBackend(weights);
        using var gpu = new CudaBackend(0, weights);
        var cpuTap = new RecordingTap(new[] { "block4_conv3", "fc1" });
        var gpuTap = new RecordingTap(new[] { "block4_conv3", "fc1" });
        var expected = cpu.Forward(input, cpuTap);
        var actual = gpu.Forward(input, gpuTap);
        foreach (var name in cpuTap.Activations.Keys)
            Compare.AssertClose(cpuTap.Activations[name].Data, gpuTap.Activations[name].Data, 1e-4, $"CUDA {name}");
        Compare.AssertClose(expected.Data, actual.Data, 1e-4, "CUDA predictions");
    }
}
