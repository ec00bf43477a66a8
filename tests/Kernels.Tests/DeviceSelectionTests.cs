using CnnEngine.Backends;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;

namespace CnnEngine.Kernels.Tests;

/// <summary>--device parsing, the listing (unusable devices explained, not hidden), clear failures, CPU fallback under auto.</summary>
// In the emulator collection: these open ilgpu-cpu accelerators in-process, and running them beside the whole-network
// emulator tests is the one difference seen around a single switch mismatch under load (root cause not confirmed).
[Collection("Emulator")]
public sealed class DeviceSelectionTests
{
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(3, includeTop: false));
    private static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    [Fact]
    public void ListHasTheCpuEngineFirstAndTheIlgpuEmulator()
    {
        var list = Devices.List(out var notes);
        Assert.Equal("cpu", list[0].Id);
        Assert.Equal("CPU", list[0].Backend);
        var emulator = Assert.Single(list, d => d.Id == "ilgpu-cpu");
        Assert.Null(emulator.Unusable);
        Assert.Contains("slow", emulator.Details);
        if (!list.Any(d => d.Backend == "CUDA")) Assert.Contains(notes, n => n.StartsWith("CUDA: ", StringComparison.Ordinal));
    }

    /// <summary>
    /// pocl (CI installs it: pocl-opencl-icd with only ocl-icd-libopencl1, i.e. only libOpenCL.so.1) is listed with the
    /// reason ILGPU cannot use it, and opening it says that reason in one line. This also proves the versioned
    /// libOpenCL.so.1 is found (NativeLibraries), since without it ILGPU sees no OpenCL at all.
    /// </summary>
    [SkippableFact]
    public void PoclIsListedAsUnusableWithTheReason()
    {
        var pocl = Devices.List().FirstOrDefault(d => d.Backend == "OpenCL" && d.Name.Contains("Portable Computing Language", StringComparison.Ordinal));
        if (pocl is null && InCi) throw new InvalidOperationException("CI installs pocl: it must be listed");
        Skip.If(pocl is null, "skipped: pocl (pocl-opencl-icd) is not installed");
        Assert.StartsWith("opencl:", pocl!.Id);
        Assert.NotNull(pocl.Unusable);
        Assert.Contains("generic address space", pocl.Unusable);
        var e = Assert.Throws<DeviceUnavailableException>(() => Devices.Open(pocl.Id, Weights.Value, _ => { }));
        Assert.Contains("cannot be used: no generic address space", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ExplicitDevicesFailWithOneClearLine()
    {
        var warnings = new List<string>();
        var e = Assert.Throws<DeviceUnavailableException>(() => Devices.Open("opencl:99", Weights.Value, warnings.Add));
        Assert.StartsWith("opencl:99: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var bad = Assert.Throws<DeviceException>(() => Devices.Open("gpu", Weights.Value, warnings.Add));
        Assert.Contains("unknown device 'gpu'", bad.Message);
        var rung = Assert.Throws<DeviceException>(() => Devices.Open("ilgpu-cpu", Weights.Value, warnings.Add, "fastest"));
        Assert.Contains("unknown conv kernel 'fastest'", rung.Message);
        if (!Devices.List().Any(d => d.Backend == "CUDA"))
        {
            var cuda = Assert.Throws<DeviceUnavailableException>(() => Devices.Open("cuda", Weights.Value, warnings.Add));
            Assert.StartsWith("cuda:0: ", cuda.Message);
            Assert.DoesNotContain('\n', cuda.Message);
        }
        Assert.Empty(warnings);
    }

    [Fact]
    public void TheEmulatorByNameRunsTheKernelsWithItsDefaultRung()
    {
        using var backend = Devices.Open("ilgpu-cpu", Weights.Value, _ => { });
        Assert.Equal("ilgpu-cpu", backend.DeviceId);
        Assert.Contains("regblock", backend.DeviceName);
        Assert.IsType<GpuBackend>(backend);
        using var tiled = Devices.Open("ILGPU-CPU", Weights.Value, _ => { }, "tiled");
        Assert.Contains("tiled", tiled.DeviceName);
    }

    [Fact]
    public void AutoWithoutAGpuIsTheCpuEngineWithoutWarnings()
    {
        if (Devices.List().Any(d => d.Backend == "CUDA" || (d.Backend == "OpenCL" && d.Unusable is null))) return;   // a GPU machine
        var warnings = new List<string>();
        using var backend = Devices.Open("auto", Weights.Value, warnings.Add);
        Assert.Equal("cpu", backend.DeviceId);
        Assert.Empty(warnings);
        Assert.Null(Devices.PeakDeviceBytes(backend));
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
        Assert.Contains("cuda:7 failed (cuda:7: a forward pass failed: out of device memory", warning);
        Assert.Contains("falling back to the CPU", warning);
    }

    [Fact]
    public void PeakDeviceMemoryIsReportedForAKernelDevice()
    {
        using var backend = Devices.Open("ilgpu-cpu", Weights.Value, _ => { });
        long weightsBytes = 4L * Weights.Value.Layers.Where(l => l.HasWeights).Sum(l => 9L * l.InChannels * l.OutChannels + l.OutChannels);
        long? peak = Devices.PeakDeviceBytes(backend);
        Assert.NotNull(peak);
        Assert.InRange(peak!.Value, weightsBytes, weightsBytes + 4L * 1024 * 512);   // regblock pads Cout to 8: VGG16's widths need no padding
    }

    /// <summary>From the command line: a missing or unusable explicit device is one line on stderr and a non-zero exit, no output folder.</summary>
    [Fact]
    public void TheCliRefusesAMissingOrUnusableDeviceWithOneLine()
    {
        using var work = CnnEngine.TestSupport.Paths.NewTempDir("kernels-cli-bad");
        var specs = new List<string> { "opencl:42" };
        if (!Devices.List().Any(d => d.Backend == "CUDA")) specs.Add("cuda");
        if (Devices.List().FirstOrDefault(d => d.Unusable is not null) is { } unusable) specs.Add(unusable.Id);
        foreach (string spec in specs)
        {
            string outDir = Path.Combine(work.Path, "out-" + spec.Replace(':', '_'));
            var (code, _, stderr) = Cli.Run(work.Path, CnnEngine.TestSupport.Paths.SharedImage("ozbulak_snake.png"), "--device", spec,
                "--weights", "random", "--out", outDir);
            Assert.NotEqual(0, code);
            var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(errors.Count == 1, $"--device {spec}: expected one error line, got:\n{stderr}");
            Assert.DoesNotContain("   at ", stderr);   // no stack trace
            Assert.Contains(spec.Contains(':') ? spec : spec + ":0", errors[0]);
            Assert.False(Directory.Exists(outDir), $"--device {spec} left {outDir}");
        }
    }

    private sealed class FailingBackend(Vgg16Weights weights) : IForwardBackend
    {
        public bool Disposed { get; private set; }
        public string DeviceId => "cuda:7";
        public string DeviceName => "a device that runs out of memory";
        public Vgg16Weights Weights => weights;
        public Tensor Forward(Tensor input, ILayerTap? tap = null) =>
            throw new DeviceOutOfMemoryException("cuda:7", "cuda:7: a forward pass failed: out of device memory (try a smaller batch or image)");
        public void Dispose() => Disposed = true;
    }
}
