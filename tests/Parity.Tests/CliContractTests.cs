using System.Diagnostics;
using System.Text.Json;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.TestSupport;
using CnnEngine.Tensors;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests;

/// <summary>The bad inputs of tests/reference/make_bad_inputs.py, made once per test class in a temp folder.</summary>
public sealed class BadInputsFixture : IDisposable
{
    private readonly Lazy<TempDir> _dir = new(() =>
    {
        var dir = Paths.NewTempDir("parity-bad");
        Python.Run(Path.Combine(Paths.RepoRoot, "tests", "reference", "make_bad_inputs.py"), TimeSpan.FromMinutes(2),
            dir.Path, "--jpeg", Paths.SharedImage("tfkerasvis_bear.jpg"), "--png", Paths.SharedImage("ozbulak_snake.png"));
        return dir;
    });

    public string File(string name) => _dir.Value.File(name);

    public void Dispose()
    {
        if (_dir.IsValueCreated) _dir.Value.Dispose();
    }
}

/// <summary>
/// The engine-viz command-line contract (issue item 6), run as a user would: `dotnet engine-viz.dll IMAGE --weights FILE
/// --device cpu --export-npy DIR` (the dll is in this test's output folder since the project references viz).
///   * DIR/&lt;layer&gt;.npy float32 (1, H, W, C) for all 18 conv/pool layers, (1, K) for fc1, fc2, predictions with the
///     top, DIR/&lt;pool&gt;_switches.npy int32 (1, H', W', C) — compared with PyTorch at the same tolerances as
///     <see cref="FullSizeCpuParityTests"/>; the top-5 labels printed on stdout in PyTorch's order.
///   * bad input: one line on stderr, a non-zero exit, and no output folder (not even a temporary one).
/// </summary>
[Trait("Category", "FullSize")]
public class CliContractTests(BadInputsFixture bad, ITestOutputHelper output) : IClassFixture<BadInputsFixture>
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs engine-viz in <paramref name="workingDirectory"/> (a temp folder: whatever it writes by default lands there).</summary>
    internal static (int ExitCode, string StdOut, string StdErr) RunCli(string workingDirectory, params string[] args) =>
        EngineVizProcess.Run(workingDirectory, CliTimeout, args);

    private static string[] ImageNetLabels()
    {
        // The class list the project ships (Keras's imagenet_class_index.json: {"0": ["n01440764", "tench"], ...}).
        string path = Path.Combine(Paths.RepoRoot, "engine", "Model", "Resources", "imagenet_class_index.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var labels = new string[1000];
        foreach (var e in doc.RootElement.EnumerateObject()) labels[int.Parse(e.Name, System.Globalization.CultureInfo.InvariantCulture)] = e.Value[1].GetString()!;
        return labels;
    }

    /// <summary>Reads an export folder into a tap so <see cref="FullSizeCpuParityTests.CompareAll"/> can judge it.</summary>
    private static RecordingTap ReadExport(string dir, bool withTop)
    {
        Assert.True(Directory.Exists(dir), $"engine-viz wrote no export folder {dir}");
        var tap = new RecordingTap();
        var expectedFiles = new List<string>();
        foreach (var layer in Vgg16Architecture.Layers(withTop))
        {
            var a = Npy.Read(Path.Combine(dir, layer.Name + ".npy"));
            Assert.True(a.Dtype == "<f4", $"{layer.Name}.npy has dtype {a.Dtype}, the contract says float32 (<f4)");
            tap.OnActivation(layer, new Tensor(a.AsFloat32(), a.Shape));
            expectedFiles.Add(layer.Name + ".npy");
            if (layer.IsPool)
            {
                var s = Npy.Read(Path.Combine(dir, layer.Name + "_switches.npy"));
                Assert.True(s.Dtype == "<i4", $"{layer.Name}_switches.npy has dtype {s.Dtype}, the contract says int32 (<i4)");
                Assert.Equal(a.Shape, s.Shape);
                tap.OnSwitches(layer, new IntTensor(s.AsInt32(), s.Shape));
                expectedFiles.Add(layer.Name + "_switches.npy");
            }
        }
        var npyFiles = Directory.GetFiles(dir, "*.npy").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(expectedFiles.Order().ToArray(), npyFiles);
        return tap;
    }

    /// <summary>The (1, H, W, C) shapes Keras's intermediate model gives for an h×w input.</summary>
    private static int[] KerasShape(LayerSpec layer, int h, int w)
    {
        if (layer.IsDense) return new[] { 1, layer.OutChannels };
        foreach (var l in Vgg16Architecture.ConvBase)
        {
            if (l.IsPool) { h /= 2; w /= 2; }
            if (l == layer) return new[] { 1, h, w, l.OutChannels };
        }
        throw new ArgumentException(layer.Name);
    }

    [SkippableTheory]
    [InlineData("tfkerasvis_bear.jpg", "nearest")]
    [InlineData("kerasvis_ouzel1.jpg", "bilinear")]
    public void Export_npy_matches_pytorch_and_prints_the_top5(string image, string resize)
    {
        Python.SkipIfUnavailable();
        var c = FullSizeReference.NetworkCases.Single(x => x.Image == image && x.Resize == resize);
        string weights = FullSizeReference.Weights;
        FullSizeReference.CaseDir(c);
        using var tmp = Paths.NewTempDir("parity-cli");
        string dir = tmp.File("export");
        var args = new List<string> { Paths.SharedImage(image), "--weights", weights, "--device", "cpu", "--export-npy", dir };
        // The first case is the contract's command verbatim (it also renders the pictures); the second adds --no-viz to save time.
        if (resize != "nearest") args.AddRange(new[] { "--resize", resize, "--no-viz" });
        var (exit, stdout, stderr) = RunCli(tmp.Path, args.ToArray());
        output.WriteLine($"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.True(exit == 0, $"engine-viz exited {exit}: {stderr}");

        var hidden = Directory.GetFileSystemEntries(tmp.Path).Where(e => Path.GetFileName(e).StartsWith('.')).ToArray();
        Assert.True(hidden.Length == 0, $"temporary output left behind after success: {string.Join(", ", hidden)}");
        var tap = ReadExport(dir, withTop: true);
        foreach (var layer in Vgg16Architecture.Layers(true))
            Assert.Equal(KerasShape(layer, 224, 224), tap.Activations[layer.Name].Shape);
        FullSizeCpuParityTests.CompareAll(c, tap, 0, output);

        string[] labels = ImageNetLabels();
        int at = -1;
        foreach (int cls in FullSizeReference.Top5(c))
        {
            string label = labels[cls];
            int i = Math.Max(stdout.IndexOf(label, at + 1, StringComparison.Ordinal), stdout.IndexOf(label.Replace('_', ' '), at + 1, StringComparison.Ordinal));
            Assert.True(i > at, $"stdout does not list class {cls} ({label}) after the previous top-5 entry:\n{stdout}");
            at = i;
        }
    }

    [SkippableFact]
    public void Export_npy_without_top_at_native_size_matches_pytorch_in_keras_shapes()
    {
        Python.SkipIfUnavailable();
        var c = FullSizeReference.NativeNotopCase;
        FullSizeReference.CaseDir(c);
        using var tmp = Paths.NewTempDir("parity-cli");
        string dir = tmp.File("export");
        var (exit, stdout, stderr) = RunCli(tmp.Path, Paths.SharedImage(c.Image), "--weights", FullSizeReference.NotopWeights,
            "--device", "cpu", "--size", "native", "--export-npy", dir, "--no-viz");
        output.WriteLine($"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.True(exit == 0, $"engine-viz exited {exit}: {stderr}");
        var tap = ReadExport(dir, withTop: false);
        foreach (var layer in Vgg16Architecture.ConvBase)
            Assert.Equal(KerasShape(layer, 348, 500), tap.Activations[layer.Name].Shape);
        FullSizeCpuParityTests.CompareAll(c, tap, 0, output);
    }

    public static TheoryData<string> BadCases => new()
    {
        "missing-image", "image-is-a-directory", "not-an-image", "empty-png", "truncated-jpeg", "truncated-png",
        "huge-png", "weights-of-another-shape", "missing-weights", "smaller-than-32-native", "top-weights-native-non-224",
    };

    [SkippableTheory]
    [MemberData(nameof(BadCases))]
    public void Bad_input_gives_one_line_a_nonzero_exit_and_no_output(string badCase)
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("parity-cli-bad");
        string dir = tmp.File("export");
        string notop = FullSizeReference.NotopWeights;
        string image = Paths.SharedImage("tfkerasvis_bear.jpg"), weights = notop;
        var extra = new List<string>();
        string mustMention; // the error line must name what is wrong (so a failure for another reason cannot pass)
        switch (badCase)
        {
            case "missing-image": image = tmp.File("no_such_photo.jpg"); mustMention = "no_such_photo.jpg"; break;
            case "image-is-a-directory": image = tmp.Path; mustMention = Path.GetFileName(tmp.Path); break;
            case "not-an-image": image = bad.File("not_an_image.jpg"); mustMention = "not_an_image.jpg"; break;
            case "empty-png": image = bad.File("empty.png"); mustMention = "empty.png"; break;
            case "truncated-jpeg": image = bad.File("truncated.jpg"); mustMention = "truncated.jpg"; break;
            case "truncated-png": image = bad.File("truncated.png"); mustMention = "truncated.png"; break;
            case "huge-png": image = bad.File("huge.png"); mustMention = "huge.png"; break;
            case "weights-of-another-shape": weights = bad.File("wrong_shape.h5"); mustMention = "block1_conv1"; break;
            case "missing-weights": weights = tmp.File("no_such_weights.h5"); mustMention = "no_such_weights.h5"; break;
            case "smaller-than-32-native":
                image = bad.File("tiny20.png"); extra.AddRange(new[] { "--size", "native" }); mustMention = "32"; break;
            case "top-weights-native-non-224":
                image = bad.File("wide300x200.jpg"); weights = FullSizeReference.Weights; extra.AddRange(new[] { "--size", "native" }); mustMention = "224"; break;
            default: throw new ArgumentException(badCase);
        }
        var args = new List<string> { image, "--weights", weights, "--device", "cpu", "--export-npy", dir };
        args.AddRange(extra);
        var (exit, stdout, stderr) = RunCli(tmp.Path, args.ToArray());
        output.WriteLine($"{badCase}: exit {exit}\nstderr: {stderr}");
        Assert.True(exit != 0, $"{badCase}: engine-viz exited 0 (stdout: {stdout})");
        string[] lines = stderr.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1 && lines[0].Trim().Length > 0, $"{badCase}: stderr should be one clear line, got {lines.Length}:\n{stderr}");
        Assert.True(stderr.Contains(mustMention, StringComparison.Ordinal), $"{badCase}: the error does not mention '{mustMention}': {stderr}");
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Exception", stderr);
        Assert.False(Directory.Exists(dir), $"{badCase}: the output folder {dir} was created");
        // The CLI ran inside tmp and was pointed at tmp/export: nothing at all may be left there (no temp folder either).
        var leftovers = Directory.GetFileSystemEntries(tmp.Path);
        Assert.True(leftovers.Length == 0, $"{badCase}: output left behind: {string.Join(", ", leftovers)}");
    }
}
