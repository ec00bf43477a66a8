using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// The deconvnet commands with --model as a user runs them (the dll in a child process) on the fixture models (a
/// Keras 2 .h5 and a Keras 3 .keras): deconv, occlusion and invariance write their outputs and exit 0; the .npy
/// outputs have the model's shapes (the projection's values are checked against PyTorch in
/// <see cref="OwnModelProjectionTests"/>); a bad layer name or channel is one line on stderr, a non-zero exit and no output.
/// </summary>
public class OwnModelDeconvCliTests(ITestOutputHelper output)
{
    private static (int Code, string StdOut, string StdErr) Run(TempDir tmp, ITestOutputHelper output, params string[] args)
    {
        var result = CliContractTests.RunCli(tmp.Path, args);
        output.WriteLine(result.StdErr);
        return result;
    }

    [SkippableTheory]
    [InlineData("gray_valid", "max_pooling2d_1", "max")]
    [InlineData("mnist_keras", "activation", "guided")]
    [InlineData("elu_s2", "max_pooling2d", "map")]
    public void DeconvWritesTheProjection(string key, string layer, string mode)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        using var tmp = Paths.NewTempDir("own-deconv");
        var args = new List<string> { "deconv", Paths.SharedImage("ozbulak_snake.png"), "--model", OwnModelFixtures.ModelFile(m.File),
            "--layer", layer, "--channel", "1", "--mode", mode, "--out", tmp.File("viz"), "--export-npy", tmp.File("npy") };
        if (m.Preprocess != "none") args.AddRange(new[] { "--preprocess", m.Preprocess });
        var (code, _, stderr) = Run(tmp, output, args.ToArray());
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var npy = Npy.Read(tmp.File($"npy/deconv_{layer}_1_{mode}.npy"));
        Assert.Equal(new[] { 1, m.Input[0], m.Input[1], m.Input[2] }, npy.Shape);
        Assert.All(npy.AsFloat32(), v => Assert.True(float.IsFinite(v)));
        foreach (var png in new[] { $"deconv_{layer}_1_{mode}.png", $"deconv_{layer}_1_{mode}_panel.png" })
            Assert.True(File.Exists(tmp.File("viz/" + png)), png);
    }

    [SkippableTheory]
    [InlineData("bn_gap")]
    [InlineData("mnist_keras")]
    public void OcclusionWritesMapsAndFigure(string key)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()[key];
        var model = OwnModelParityTests.Open(m);
        using var tmp = Paths.NewTempDir("own-occlusion");
        var (code, _, stderr) = Run(tmp, output, "occlusion", Paths.SharedImage("kerasvis_ouzel1.jpg"), "--model", OwnModelFixtures.ModelFile(m.File),
            "--patch", "8", "--stride", "5", "--out", tmp.File("viz"), "--export-npy", tmp.File("npy"));
        Assert.True(code == 0, $"exit {code}: {stderr}");
        int cells = (m.Input[0] - 8) / 5 + 1;
        var prob = Npy.Read(tmp.File("npy/occlusion_prob.npy"));
        Assert.Equal(new[] { cells, cells }, prob.Shape);
        Assert.All(prob.AsFloat32(), p => Assert.InRange(p, 0f, 1f));
        Assert.All(Npy.Read(tmp.File("npy/occlusion_argmax.npy")).AsInt32(), k => Assert.InRange(k, 0, model.ClassCount!.Value - 1));
        Assert.Single(Directory.GetFiles(tmp.File("viz"), "occlusion_*.png"));
    }

    [SkippableFact]
    public void InvarianceWritesCsvAndCharts()
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()["mnist_keras"];
        using var tmp = Paths.NewTempDir("own-invariance");
        var (code, _, stderr) = Run(tmp, output, "invariance", Paths.SharedImage("ozbulak_snake.png"), "--model", OwnModelFixtures.ModelFile(m.File),
            "--transform", "rotate", "--range", "0:90:30", "--out", tmp.File("viz"));
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var csv = File.ReadAllLines(tmp.File("viz/invariance_rotate.csv"));
        Assert.Equal(5, csv.Length);                       // header + 0, 30, 60, 90
        Assert.StartsWith("rotate,max_pooling2d_distance,flatten_distance,probability_class_", csv[0]);
        Assert.StartsWith("0,0,0,", csv[1]);                // the unrotated copy is the original
        Assert.Equal(6, Directory.GetFiles(tmp.File("viz"), "invariance_rotate_*").Length);
    }

    /// <summary>
    /// features on the 8 photos (mnist.keras, 28×28 grayscale): two shards merged give exactly the one-run top-K, the
    /// result records the model's identity, and resuming or merging-to-render with another model is refused in one line.
    /// </summary>
    [SkippableFact]
    public void FeaturesShardsMergeAndRefuseAnotherModel()
    {
        Python.SkipIfUnavailable();
        string mnist = OwnModelFixtures.ModelFile("mnist.keras"), gray = OwnModelFixtures.ModelFile("gray_valid.h5");
        string images = Path.GetDirectoryName(Paths.SharedImage("ozbulak_snake.png"))!;
        using var tmp = Paths.NewTempDir("own-features");
        string[] Scan(string model, string outDir, params string[] extra) =>
            new[] { "features", images, "--model", model, "--layers", "max_pooling2d,activation", "--top", "3", "--out", tmp.File(outDir), "--quiet" }.Concat(extra).ToArray();
        var whole = Run(tmp, output, Scan(mnist, "whole"));
        Assert.True(whole.Code == 0, whole.StdErr);
        Assert.True(File.Exists(tmp.File("whole/features_activation.png")));
        foreach (var shard in new[] { "0/2", "1/2" })
        {
            var part = Run(tmp, output, Scan(mnist, "part" + shard[0], "--shard", shard));
            Assert.True(part.Code == 0, part.StdErr);
        }
        var merged = Run(tmp, output, "merge", tmp.File("part0"), tmp.File("part1"), "--model", mnist, "--out", tmp.File("merged"), "--quiet");
        Assert.True(merged.Code == 0, merged.StdErr);
        var one = CnnEngine.Deconv.FeatureScanState.Load(tmp.File("whole/features.json"));
        var both = CnnEngine.Deconv.FeatureScanState.Load(tmp.File("merged/features.json"));
        Assert.True(one.Top.SameAs(both.Top), "merged shards differ from one run");
        Assert.Equal("keras:sequential", one.Weights.Model);
        Assert.Equal(CnnEngine.Model.Cnn.CnnModelIdentity.Of(OwnModelParityTests.Open(OwnModelFixtures.Cases()["mnist_keras"])).Sha256, one.Weights.Sha256);
        Assert.True(File.Exists(tmp.File("merged/features_max_pooling2d.png")));

        var wrongRender = Run(tmp, output, "merge", tmp.File("part0"), tmp.File("part1"), "--model", gray, "--out", tmp.File("wrong"), "--quiet");
        Assert.NotEqual(0, wrongRender.Code);
        Assert.Contains("the shards come from keras:sequential", wrongRender.StdErr.Trim());
        Assert.Single(wrongRender.StdErr.Trim().Split('\n'));
        Assert.False(File.Exists(tmp.File("wrong/features.json")));
        var noModel = Run(tmp, output, "merge", tmp.File("part0"), tmp.File("part1"), "--out", tmp.File("wrong2"), "--quiet");
        Assert.NotEqual(0, noModel.Code);
        Assert.Contains("pass it with --model", noModel.StdErr);

        var grayScan = Run(tmp, output, "features", images, "--model", gray, "--layers", "max_pooling2d", "--top", "3", "--out", tmp.File("gray"),
            "--render-channels", "0", "--quiet");
        Assert.True(grayScan.Code == 0, grayScan.StdErr);
        var resumeOther = Run(tmp, output, "features", images, "--model", mnist, "--layers", "max_pooling2d", "--top", "3", "--out", tmp.File("gray"), "--quiet");
        Assert.NotEqual(0, resumeOther.Code);
        Assert.Single(resumeOther.StdErr.Trim().Split('\n'));
        Assert.Contains("different weights", resumeOther.StdErr);
        var resumeVgg = Run(tmp, output, "features", images, "--layers", "block1_conv1", "--top", "3", "--out", tmp.File("whole"), "--weights", "random", "--quiet");
        Assert.NotEqual(0, resumeVgg.Code);
        Assert.Contains("different models: it has keras:sequential, this run has vgg16", resumeVgg.StdErr);
    }

    [SkippableTheory]
    [InlineData("deconv", "--layer", "nope", "has no layer 'nope' (feature-map layers: rescaling, conv2d,")]
    [InlineData("deconv", "--layer", "dense", "layer dense (Dense) has a flat output")]
    [InlineData("occlusion", "--layer", "nope", "has no layer 'nope'")]
    [InlineData("deconv", "--channel", "99", "channel 99 is out of range for max_pooling2d (it has 8 channels: 0 … 7)")]
    public void BadLayerOrChannelIsOneLine(string command, string option, string value, string message)
    {
        Python.SkipIfUnavailable();
        var m = OwnModelFixtures.Cases()["mnist_keras"];
        using var tmp = Paths.NewTempDir("own-deconv-bad");
        var args = new List<string> { command, Paths.SharedImage("ozbulak_snake.png"), "--model", OwnModelFixtures.ModelFile(m.File), "--quiet",
            "--out", tmp.File("viz") };
        if (command == "deconv") args.AddRange(option == "--layer" ? new[] { "--layer", value, "--channel", "0" } : new[] { "--layer", "max_pooling2d", "--channel", value });
        else args.AddRange(new[] { option, value });
        var (code, stdout, stderr) = Run(tmp, output, args.ToArray());
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout.Trim());
        var lines = stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.Contains(message, lines[0]);
        Assert.False(Directory.Exists(tmp.File("viz")), "no output folder for a refused request");
    }
}
