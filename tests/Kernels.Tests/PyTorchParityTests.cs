using System.Security.Cryptography;
using System.Text;
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
/// Reference data for the OpenCL parity test, made once by the project's independent Python tools and cached in
/// tests/.generated/kernels-parity-&lt;hash of the scripts&gt;/:
///   weights-notop.h5 — full-size seeded VGG16 without the top (tests/fixtures/weights/make_vgg16_h5.py, Keras 3 layout)
///   ref-&lt;photo&gt;/    — tests/reference/vgg16_reference.py on a real photo (../shared/images): input.npy (1,224,224,3)
///                      preprocessed BGR, every layer's output, every pool's switches (PyTorch, float32).
/// </summary>
internal static class PyTorchReference
{
    public static string WeightsScript => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", "make_vgg16_h5.py");
    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "vgg16_reference.py");

    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var sb = new StringBuilder("seed=16;layout=keras3;notop;");
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

    private static readonly Lazy<string> WeightsLazy = new(() =>
    {
        string path = Path.Combine(RootLazy.Value, "weights-notop.h5");
        if (File.Exists(path)) return path;
        string tmp = path + $".tmp-{Guid.NewGuid():N}.h5";
        try
        {
            Python.Run(WeightsScript, TimeSpan.FromMinutes(10), tmp, "--layout", "keras3", "--notop", "--seed", "16");
            File.Move(tmp, path, overwrite: true);
        }
        finally { File.Delete(tmp); }
        return path;
    });

    public static string Weights => WeightsLazy.Value;

    private static readonly object Gate = new();

    /// <summary>The reference folder for a photo; generated on first use (written under a temporary name, then renamed).</summary>
    public static string For(string photo)
    {
        lock (Gate)
        {
            string dir = Path.Combine(RootLazy.Value, "ref-" + Path.GetFileNameWithoutExtension(photo));
            if (File.Exists(Path.Combine(dir, "done"))) return dir;
            string tmp = dir + $".tmp-{Guid.NewGuid():N}";
            try
            {
                Python.Run(ReferenceScript, TimeSpan.FromMinutes(10), "--weights", Weights, "--image", Paths.SharedImage(photo), "--out", tmp);
                File.WriteAllText(Path.Combine(tmp, "done"), "");
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.Move(tmp, dir);
            }
            finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
            return dir;
        }
    }
}

/// <summary>
/// The OpenCL backend against PyTorch on real photos: the reference's own preprocessed input (input.npy) goes
/// straight into the backend; every one of the 18 layers must be within 1e-4 of PyTorch relative to that layer's
/// max |value| (the CPU engine's bound), and every pool's switches identical except near ties (where the two
/// candidates differ in PyTorch's pool input by at most 2 × the largest error measured on that input).
/// </summary>
[Collection("OpenCL")]
[Trait("Category", "FullSize")]
public sealed class PyTorchParityTests(OpenClFixture cl, ITestOutputHelper output)
{
    public const double Tolerance = 1e-4;

    [SkippableTheory]
    [InlineData("tfkerasvis_bear.jpg", "winograd")]
    [InlineData("tfkerasvis_bear.jpg", "regblock")]
    [InlineData("ozbulak_snake.png", "winograd")]
    public void OpenClMatchesPyTorchOnARealPhoto(string photo, string rung)
    {
        cl.Require();
        Python.SkipIfUnavailable();
        string dir = PyTorchReference.For(photo);
        var inputNpy = Npy.Read(Path.Combine(dir, "input.npy"));
        Assert.Equal(new[] { 1, 224, 224, 3 }, inputNpy.Shape);
        using var weights = Vgg16Weights.FromStore(WeightStore.Open(PyTorchReference.Weights));
        using var backend = new OpenClBackend(0, weights, ConvRungs.Parse(rung, ConvRung.Winograd));
        var tap = new RecordingTap();
        backend.Forward(new Tensor(inputNpy.AsFloat32(), inputNpy.Shape), tap);

        float[]? poolInput = null;
        double poolInputError = 0;
        foreach (var layer in weights.Layers)
        {
            var reference = Npy.Read(Path.Combine(dir, layer.Name + ".npy"));
            var actual = tap.Activations[layer.Name];
            Assert.Equal(reference.Shape, actual.Shape);
            float[] expected = reference.AsFloat32();
            double rel = Compare.AssertClose(expected, actual.Data, Tolerance, $"{photo} {rung} {layer.Name}");
            string note = "";
            if (layer.IsPool)
            {
                var refSwitches = Npy.Read(Path.Combine(dir, layer.Name + "_switches.npy")).AsInt32();
                int flips = Switches.AssertSame($"{photo} {rung} {layer.Name}", refSwitches, tap.Switches[layer.Name].Data,
                    poolInput!, actual.Shape[2] * 2, layer.OutChannels, 2 * poolInputError);
                note = $", {flips} near-tie switch flips of {refSwitches.Length}";
            }
            output.WriteLine($"{layer.Name}: max error {rel:G3} of max |value|{note}");
            poolInput = expected;
            poolInputError = rel * expected.Max(MathF.Abs);
        }
    }
}
