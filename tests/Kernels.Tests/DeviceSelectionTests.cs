using CnnEngine.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Tests;

/// <summary>--device parsing, listing, clear failures for explicit devices, CPU fallback under auto.</summary>
[Collection("OpenCL")]
public sealed class DeviceSelectionTests
{
    private readonly OpenClFixture _cl;
    public DeviceSelectionTests(OpenClFixture cl) => _cl = cl;
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(3, includeTop: false));

    [SkippableFact]
    public void ListHasTheCpuAndEveryOpenClDevice()
    {
        _cl.Require();
        var list = Devices.List();
        Assert.Equal("cpu", list[0].Id);
        Assert.Equal("CPU", list[0].Backend);
        var cl = list.Where(d => d.Backend == "OpenCL").ToList();
        Assert.Equal(OpenClDiscovery.Devices.Count, cl.Count);
        Assert.Equal("opencl:0", cl[0].Id);
        Assert.Contains(OpenClDiscovery.Devices[0].Name, cl[0].Name);
        Assert.Equal(CudaDiscovery.Devices.Count, list.Count(d => d.Backend == "CUDA"));
    }

    [SkippableFact]
    public void ExplicitDevicesFailWithOneClearLine()
    {
        _cl.Require();
        var warnings = new List<string>();
        var e = Assert.Throws<DeviceUnavailableException>(() => Devices.Open("opencl:99", Weights.Value, warnings.Add));
        Assert.Contains("opencl:99", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var bad = Assert.Throws<DeviceException>(() => Devices.Open("gpu", Weights.Value, warnings.Add));
        Assert.Contains("unknown device 'gpu'", bad.Message);
        var rung = Assert.Throws<DeviceException>(() => Devices.Open("opencl:0", Weights.Value, warnings.Add, "fastest"));
        Assert.Contains("unknown conv kernel 'fastest'", rung.Message);
        if (CudaDiscovery.Devices.Count == 0)
        {
            var cuda = Assert.Throws<DeviceUnavailableException>(() => Devices.Open("cuda", Weights.Value, warnings.Add));
            Assert.StartsWith("cuda:0: ", cuda.Message);
        }
        Assert.Empty(warnings);
    }

    [SkippableFact]
    public void OpenClByNameRunsOnOpenCl()
    {
        _cl.Require();
        using var backend = Devices.Open("opencl", Weights.Value, _ => { }, "regblock");
        Assert.Equal("opencl:0", backend.DeviceId);
        Assert.Contains("regblock", backend.DeviceName);
    }

    [Fact]
    public void AutoWithoutAGpuIsTheCpuEngineWithoutWarnings()
    {
        if (CudaDiscovery.Devices.Count > 0 || OpenClDiscovery.Devices.Any(d => d.IsGpu)) return;   // a GPU machine: covered by the CUDA tests
        var warnings = new List<string>();
        using var backend = Devices.Open("auto", Weights.Value, warnings.Add);
        Assert.Equal("cpu", backend.DeviceId);
        Assert.Empty(warnings);
    }

    [Fact]
    public void AutoFallsBackToTheCpuWithOneWarningWhenTheDeviceFailsMidRun()
    {
        var warnings = new List<string>();
        var failing = new FailingBackend(Weights.Value);
        using var backend = new FallbackBackend(failing, () => new CnnEngine.Backends.Cpu.CpuBackend(Weights.Value), warnings.Add);
        var input = new Tensor(1, 32, 32, 3);
        var first = backend.Forward(input);
        var second = backend.Forward(input);
        Assert.Equal(new[] { 1, 1, 1, 512 }, first.Shape);
        Assert.Equal(first.Data, second.Data);
        Assert.Equal("cpu", backend.DeviceId);
        Assert.True(failing.Disposed);
        var warning = Assert.Single(warnings);
        Assert.Contains("opencl:7 failed (clEnqueueNDRangeKernel failed: CL_OUT_OF_RESOURCES", warning);
        Assert.Contains("falling back to the CPU", warning);
    }

    private sealed class FailingBackend(Vgg16Weights weights) : IForwardBackend
    {
        public bool Disposed { get; private set; }
        public string DeviceId => "opencl:7";
        public string DeviceName => "a device that runs out of resources";
        public Vgg16Weights Weights => weights;
        public Tensor Forward(Tensor input, ILayerTap? tap = null) =>
            throw new NativeCallException("clEnqueueNDRangeKernel", "CL_OUT_OF_RESOURCES", -5);
        public void Dispose() => Disposed = true;
    }
}
