using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// `engine-viz IMAGE --model FILE` as a user runs it (the dll in a child process): the .npy export of every layer and
/// switch against the PyTorch reference of the same model and photo (so the image path — load_img with the model's
/// color mode and size — is covered too), the printed top class with --labels, the pictures and report; and for a
/// model it cannot run, one line on stderr, a non-zero exit, no output folder.
/// </summary>
public class OwnModelCliTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("bn_gap", "kerasvis_ouzel1.jpg")]
    [InlineData("mnist_keras", "ozbulak_snake.png")]
    [InlineData("gray_valid", "tfkerasvis_goldfish.jpg")]
    public void ExportMatchesPyTorchAndTheReportIsWritten(string key, string image)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        string refDir = OwnModelFixtures.Reference(m, image);
        using var tmp = Paths.NewTempDir("own-cli");
        string labels = tmp.File("labels.json");
        var model = OwnModelParityTests.Open(m);
        int classes = model.ClassCount!.Value;
        File.WriteAllText(labels, "{" + string.Join(", ", Enumerable.Range(0, classes).Select(i => $"\"{i}\": \"thing{i}\"")) + "}");
        var args = new List<string> { Paths.SharedImage(image), "--model", OwnModelFixtures.ModelFile(m.File), "--export-npy", tmp.File("npy"),
            "--out", tmp.File("viz"), "--labels", labels, "--top", "1" };
        if (m.Preprocess != "none") args.AddRange(new[] { "--preprocess", m.Preprocess });
        var (code, stdout, stderr) = CliContractTests.RunCli(tmp.Path, args.ToArray());
        output.WriteLine(stderr);
        Assert.True(code == 0, $"exit {code}: {stderr}");

        foreach (var layer in model.Layers)
        {
            var expected = OwnModelFixtures.Load(refDir, layer.Name);
            var actual = Npy.Read(Path.Combine(tmp.File("npy"), layer.Name + ".npy"));
            Assert.Equal(expected.Shape, actual.Shape);
            Compare.AssertClose(expected.AsFloat32(), actual.AsFloat32(), OwnModelParityTests.Tolerance, $"cli {key} {layer.Name}");
            if (layer.Kind == Model.LayerKind.MaxPool)
                Assert.Equal(OwnModelFixtures.Load(refDir, layer.Name + "_switches").Shape, Npy.Read(Path.Combine(tmp.File("npy"), layer.Name + "_switches.npy")).Shape);
        }
        var probs = OwnModelFixtures.Load(refDir, model.Layers[^1].Name).AsFloat32();
        int top = Array.IndexOf(probs, probs.Max());
        Assert.StartsWith($"1. thing{top} ({top})", stdout.Trim());

        int maps = model.Layers.Count(l => !l.Output.Flat);
        Assert.Equal(maps, Directory.GetFiles(tmp.File("viz/layers"), "*.png").Length);
        foreach (var f in new[] { "index.html", "journey.gif", "input.png" }) Assert.True(File.Exists(tmp.File("viz/" + f)), f);
        string html = File.ReadAllText(tmp.File("viz/index.html"));
        Assert.Contains(model.Layers.First(l => l.Kind == Model.LayerKind.Conv2D).Name, html);
        Assert.DoesNotContain("block5_conv3", html);
    }

    [SkippableTheory]
    [InlineData("bad_lambda.h5", "layer 'lambda' (Lambda) is not supported")]
    [InlineData("bad_missing.h5", "layer 'conv2d_1' (Conv2D) has no weights")]
    [InlineData("bad_shape.h5", "has shape (3, 3, 1, 8) in the file, the config needs (2, 2, 1, 8)")]
    [InlineData("bad_truncated.keras", "truncated or corrupt")]
    public void BadModelIsOneLineAndNoOutput(string file, string message)
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-cli-bad");
        var (code, stdout, stderr) = CliContractTests.RunCli(tmp.Path, Paths.SharedImage("ozbulak_snake.png"), "--model", OwnModelFixtures.ModelFile(file),
            "--out", tmp.File("viz"), "--export-npy", tmp.File("npy"));
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout.Trim());
        var lines = stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.Contains(message, lines[0]);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [SkippableFact]
    public void BenchTimesTheModelsForward()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-cli-bench");
        var (code, stdout, stderr) = CliContractTests.RunCli(tmp.Path, "bench", "--model", OwnModelFixtures.ModelFile("elu_s2.h5"),
            "--batch", "2", "--iterations", "3", "--warmup", "1", "--json");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var json = System.Text.Json.JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        Assert.Equal(new[] { 64, 64, 3 }, root.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        double median = root.GetProperty("median_ms").GetDouble();
        Assert.InRange(median, root.GetProperty("min_ms").GetDouble(), root.GetProperty("max_ms").GetDouble());
        Assert.Equal(2 * 1000.0 / median, root.GetProperty("images_per_s").GetDouble(), 6);
    }

    [SkippableTheory]
    [InlineData("bench", "--side", "--side: your model's input size comes from its config")]
    [InlineData("bench", "--weights", "--weights applies to vgg16 / vgg19")]
    public void CommandsThatCannotTakeTheModelSaySo(string command, string option, string message)
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-cli-refuse");
        var (code, stdout, stderr) = CliContractTests.RunCli(tmp.Path, command, "--model", OwnModelFixtures.ModelFile("gray_valid.h5"), option, "64");
        Assert.Equal(2, code);
        Assert.Equal("", stdout.Trim());
        var lines = stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.Contains(message, lines[0]);
    }
}
