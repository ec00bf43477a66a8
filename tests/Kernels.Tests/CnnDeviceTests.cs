using CnnEngine.Backends.Model;
using CnnEngine.Imaging;
using CnnEngine.Kernels.Backends;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using CnnEngine.Weights.KerasModel;
using Xunit.Abstractions;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// --device for own models (<see cref="CnnDevices"/>): the same choices and one-line failures as VGG16's, the CPU
/// fallback of auto, and `engine-viz PHOTO --model FILE --device ilgpu-cpu` end to end — its .npy export of every layer
/// and switch against <see cref="CnnCpuBackend"/> on the scalar oracles, run in this process on the same photo.
/// </summary>
// In the emulator collection: these open ilgpu-cpu accelerators in-process, and running them beside the whole-network
// emulator tests is the one difference seen around a single switch mismatch under load (root cause not confirmed).
[Collection("Emulator")]
public sealed class CnnDeviceTests(ITestOutputHelper output)
{
    private static CnnModel OpenFixture(string key, out KerasModelFiles.Entry entry)
    {
        entry = KerasModelFiles.Entries()[key];
        using var file = KerasModelFile.Open(KerasModelFiles.PathOf(entry.File), entry.Config is null ? null : KerasModelFiles.PathOf(entry.Config));
        return KerasModelBuilder.Build(file);
    }

    [SkippableFact]
    public void DeviceChoicesAndFailuresMatchVgg16s()
    {
        Python.SkipIfUnavailable();
        var model = OpenFixture("mnist_keras", out _);
        var warnings = new List<string>();
        using (var cpu = CnnDevices.Open("cpu", model, warnings.Add)) Assert.IsType<CnnCpuBackend>(cpu);
        using (var emu = CnnDevices.Open(" ILGPU-CPU ", model, warnings.Add))
        {
            Assert.IsType<GpuCnnBackend>(emu);
            Assert.Equal("ilgpu-cpu", emu.DeviceId);
        }
        var unknown = Assert.Throws<DeviceException>(() => CnnDevices.Open("gpu", model, warnings.Add));
        Assert.Contains("unknown device 'gpu'", unknown.Message);
        var missing = Assert.Throws<DeviceUnavailableException>(() => CnnDevices.Open("opencl:99", model, warnings.Add));
        Assert.DoesNotContain('\n', missing.Message);
        if (!Devices.List().Any(d => d.Backend == "CUDA" || (d.Backend == "OpenCL" && d.Unusable is null)))
        {
            using var auto = CnnDevices.Open("auto", model, warnings.Add);   // no GPU here: the CPU engine, silently
            Assert.Equal("cpu", auto.DeviceId);
        }
        Assert.Empty(warnings);
    }

    [SkippableFact]
    public void AutoFallsBackToTheCpuWithOneWarningWhenTheDeviceFailsMidRun()
    {
        Python.SkipIfUnavailable();
        var model = OpenFixture("mnist_keras", out _);
        var warnings = new List<string>();
        var failing = new FailingBackend(model);
        using var backend = new CnnFallbackBackend(failing, () => new CnnCpuBackend(model), warnings.Add);
        var input = new Tensor(1, 28, 28, 1);
        var first = backend.Forward(input);
        var second = backend.Forward(input);
        Assert.Equal(new[] { 1, model.ClassCount!.Value }, first.Shape);
        Assert.Equal(first.Data, second.Data);
        Assert.Equal("cpu", backend.DeviceId);
        Assert.True(failing.Disposed);
        var warning = Assert.Single(warnings);
        Assert.Contains("cuda:7 failed (cuda:7: a forward pass failed: out of device memory", warning);
    }

    [SkippableFact]
    public void TheDefaultRunOnIlgpuCpuExportsWhatTheCpuOraclesCompute()
    {
        Python.SkipIfUnavailable();
        const string key = "bn_gap", image = "kerasvis_ouzel1.jpg";   // BN folded and unfolded, 'same' avg pool, GAP, softmax
        var model = OpenFixture(key, out var entry);
        using var tmp = Paths.NewTempDir("own-cli-ilgpu");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, stderr) = EngineVizProcess.Run(tmp.Path, TimeSpan.FromMinutes(3), Paths.SharedImage(image), "--model", KerasModelFiles.PathOf(entry.File),
            "--device", "ilgpu-cpu", "--export-npy", tmp.File("npy"), "--out", tmp.File("viz"), "--top", "1");
        output.WriteLine($"engine-viz --device ilgpu-cpu: exit {code} in {clock.Elapsed.TotalSeconds:F1} s\n{stderr}");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("device: ilgpu-cpu", stderr + stdout);
        Assert.True(File.Exists(tmp.File("viz/index.html")));

        var prepared = ModelInput.Prepare(ImageLoader.Load(Paths.SharedImage(image)), entry.Input[0], entry.Input[1], entry.Input[2], ResizeMode.Nearest, InputPreprocess.None);
        using var cpu = new CnnCpuBackend(model, scalar: true);
        var reference = new RecordingTap();
        var probabilities = cpu.Forward(prepared.Input, reference);
        foreach (var layer in model.Layers)
        {
            var actual = Npy.Read(Path.Combine(tmp.File("npy"), layer.Name + ".npy"));
            Assert.Equal(reference.Activations[layer.Name].Shape, actual.Shape);
            Compare.AssertClose(reference.Activations[layer.Name].Data, actual.AsFloat32(), CnnBackendTests.Tolerance, $"cli ilgpu-cpu {layer.Name}");
            if (layer is PoolLayer { IsMax: true })
                Assert.Equal(reference.Switches[layer.Name].Data, Npy.Read(Path.Combine(tmp.File("npy"), layer.Name + "_switches.npy")).AsInt32());
        }
        int top = Array.IndexOf(probabilities.Data, probabilities.Data.Max());
        Assert.StartsWith($"1. class {top} ({top})", stdout.Trim());
    }

    private sealed class FailingBackend(CnnModel model) : ICnnBackend
    {
        public bool Disposed { get; private set; }
        public string DeviceId => "cuda:7";
        public string DeviceName => "a device that runs out of memory";
        public CnnModel Model => model;
        public Tensor Forward(Tensor input, ILayerTap? tap = null) =>
            throw new DeviceOutOfMemoryException("cuda:7", "cuda:7: a forward pass failed: out of device memory (try a smaller batch or image)");
        public void Dispose() => Disposed = true;
    }
}
