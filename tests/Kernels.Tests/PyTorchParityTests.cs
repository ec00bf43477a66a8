using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using CnnEngine.Weights;
using Xunit.Abstractions;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// Reference data for the emulator parity tests, made once by the project's independent Python tools and cached in
/// tests/.generated/kernels-parity-&lt;hash of the scripts&gt;/:
///   weights-notop.h5 — full-size seeded VGG16 without the top (tests/fixtures/weights/make_vgg16_h5.py, Keras 3 layout)
///   bear32.png       — a real photo (../shared/images/tfkerasvis_bear.jpg) scaled to 32×32 by PIL (bilinear)
///   ref-bear32/      — tests/reference/vgg16_reference.py on it with --size native: input.npy (1, 32, 32, 3)
///                      preprocessed BGR, every layer's output, every pool's switches (PyTorch, float32).
/// </summary>
internal static class PyTorchReference
{
    public static string WeightsScript => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", "make_vgg16_h5.py");
    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "vgg16_reference.py");
    public const string Photo = "tfkerasvis_bear.jpg";

    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var sb = new StringBuilder("seed=16;layout=keras3;notop;bear32-bilinear;");
        foreach (var script in new[] { WeightsScript, ReferenceScript })
            sb.Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(script))));
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
        string dir = Path.Combine(Paths.Generated, "kernels-parity-" + key);
        if (!Directory.Exists(dir))
        {
            foreach (var stale in Directory.GetDirectories(Paths.Generated, "kernels-parity-*"))
                try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Directory.CreateDirectory(dir);
        }
        return dir;
    });

    private static readonly object Gate = new();

    /// <summary>Makes <paramref name="name"/> in the cache folder with <paramref name="make"/>(temporary path) unless it is there; returns its path.</summary>
    private static string Cached(string name, Action<string> make)
    {
        lock (Gate)
        {
            string path = Path.Combine(RootLazy.Value, name);
            if (File.Exists(path) || Directory.Exists(path)) return path;
            string tmp = path + $".tmp-{Guid.NewGuid():N}" + Path.GetExtension(name);
            try
            {
                make(tmp);
                if (Directory.Exists(tmp)) Directory.Move(tmp, path); else File.Move(tmp, path);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
                if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            }
            return path;
        }
    }

    public static string Weights => Cached("weights-notop.h5", tmp =>
        Python.Run(WeightsScript, TimeSpan.FromMinutes(10), tmp, "--layout", "keras3", "--notop", "--seed", "16"));

    public static string SmallPhoto => Cached("bear32.png", tmp =>
    {
        var r = Python.RunRaw(new[] { "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').resize((32, 32), Image.BILINEAR).save(sys.argv[2], 'PNG')",
            Paths.SharedImage(Photo), tmp }, TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new InvalidOperationException("making the 32×32 photo failed: " + r.StdErr);
    });

    public static string Reference => Cached("ref-bear32", tmp =>
        Python.Run(ReferenceScript, TimeSpan.FromMinutes(10), "--weights", Weights, "--image", SmallPhoto, "--size", "native", "--out", tmp));
}

/// <summary>
/// The GPU kernels on ILGPU's CPU accelerator against PyTorch on a real photo at its native 32×32 size, full channel
/// widths, the 58.9 MB-layout weights without the top: every one of the 18 layers within 1e-4 of PyTorch relative to the
/// layer's max |value|, every pool's switches identical except near ties (the two candidates differ in PyTorch's pool
/// input by at most 2 × the largest error measured on that input); and the same through the CLI, as a user runs it.
/// </summary>
[Collection("Emulator")]
public sealed class PyTorchParityTests(ITestOutputHelper output)
{
    public const double Tolerance = 1e-4;

    [SkippableFact]
    public void IlgpuCpuMatchesPyTorchAndTheCpuEngineOnARealPhoto()
    {
        Python.SkipIfUnavailable();
        string dir = PyTorchReference.Reference;
        var inputNpy = Npy.Read(Path.Combine(dir, "input.npy"));
        Assert.Equal(new[] { 1, 32, 32, 3 }, inputNpy.Shape);
        var input = new Tensor(inputNpy.AsFloat32(), inputNpy.Shape);
        using var weights = Vgg16Weights.FromStore(WeightStore.Open(PyTorchReference.Weights));
        using var gpu = new GpuBackend(DeviceCatalog.OpenEmulator(), weights, ConvRung.RegBlock);
        var tap = new RecordingTap();
        gpu.Forward(input, tap);
        AssertMatchesPyTorch(dir, weights, name => tap.Activations[name].Data, name => tap.Switches[name].Data, "ilgpu-cpu");

        using var cpu = new CpuBackend(weights);
        var cpuTap = new RecordingTap();
        cpu.Forward(input, cpuTap);
        ForwardTests.AssertSameAsCpu(cpuTap, tap, weights, "ilgpu-cpu vs cpu");
    }

    /// <summary>
    /// The command, exactly: <c>engine-viz IMAGE --device ilgpu-cpu --size native --weights W --export-npy DIR</c>,
    /// with ilgpu-cpu's default rung (regblock: no barriers, which the emulator pays for dearly). Under 2 minutes here.
    /// </summary>
    [SkippableFact]
    public void TheCliOnIlgpuCpuExportsWhatPyTorchComputes()
    {
        Python.SkipIfUnavailable();
        string dir = PyTorchReference.Reference;
        using var work = Paths.NewTempDir("kernels-cli");
        string npy = Path.Combine(work.Path, "npy");
        var clock = Stopwatch.StartNew();
        var (code, stdout, stderr) = Cli.Run(work.Path, PyTorchReference.SmallPhoto, "--device", "ilgpu-cpu", "--size", "native",
            "--weights", PyTorchReference.Weights, "--export-npy", npy, "--out", Path.Combine(work.Path, "out"));
        var elapsed = clock.Elapsed;
        output.WriteLine($"engine-viz on ilgpu-cpu: exit {code}, {elapsed.TotalSeconds:F1} s wall (emulator, not a speed)\n{stdout}\n{stderr}");
        Assert.True(code == 0, $"engine-viz failed ({code}): {stderr}");
        Assert.Contains("ilgpu-cpu", stderr + stdout);
        Assert.True(elapsed < TimeSpan.FromMinutes(2), $"the CLI on ilgpu-cpu took {elapsed}, more than 2 minutes");
        using var weights = Vgg16Weights.FromStore(WeightStore.Open(PyTorchReference.Weights));
        AssertMatchesPyTorch(dir, weights,
            name => StripBatch(Npy.Read(Path.Combine(npy, name + ".npy")), name).AsFloat32(),
            name => Npy.Read(Path.Combine(npy, name + "_switches.npy")).AsInt32(), "engine-viz ilgpu-cpu");
    }

    private static Npy.Array StripBatch(Npy.Array a, string name)
    {
        Assert.True(a.Dtype.EndsWith("f4", StringComparison.Ordinal), $"{name}.npy is {a.Dtype}, not float32");
        return a;
    }

    private void AssertMatchesPyTorch(string dir, Vgg16Weights weights, Func<string, float[]> activation, Func<string, int[]> switches, string what)
    {
        float[]? poolInput = null;
        double poolInputError = 0;
        foreach (var layer in weights.Layers)
        {
            var reference = Npy.Read(Path.Combine(dir, layer.Name + ".npy"));
            float[] expected = reference.AsFloat32();
            float[] actual = activation(layer.Name);
            Assert.Equal(expected.Length, actual.Length);
            double rel = Compare.AssertClose(expected, actual, Tolerance, $"{what} {layer.Name}");
            string note = "";
            if (layer.IsPool)
            {
                var refSwitches = Npy.Read(Path.Combine(dir, layer.Name + "_switches.npy")).AsInt32();
                int flips = Switches.AssertSame($"{what} {layer.Name}", refSwitches, switches(layer.Name),
                    poolInput!, reference.Shape[2] * 2, layer.OutChannels, 2 * poolInputError);
                note = $", {flips} near-tie switch flips of {refSwitches.Length}";
            }
            output.WriteLine($"{what} {layer.Name}: max error {rel:G3} of max |value|{note}");
            poolInput = expected;
            poolInputError = rel * expected.Max(MathF.Abs);
        }
    }
}

/// <summary>Runs engine-viz.dll (copied next to this test's assembly: the project references viz) as a user would.</summary>
internal static class Cli
{
    public static (int ExitCode, string StdOut, string StdErr) Run(string workingDirectory, params string[] args) =>
        EngineVizProcess.Run(workingDirectory, TimeSpan.FromMinutes(5), args);
}
