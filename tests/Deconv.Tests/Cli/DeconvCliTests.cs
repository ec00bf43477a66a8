using CnnEngine.TestSupport;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Deconv.Tests.Cli;

/// <summary>The commands end to end, in process: outputs on success; one line and a non-zero exit on bad input.</summary>
[Collection("console")] // the CLI writes to the process-wide Console
public class DeconvCliTests
{
    private static string Photo => Paths.SharedImage("tfkerasvis_goldfish.jpg");

    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (EngineVizCli.Run(args), err.ToString()); }
        finally { Console.SetError(old); }
    }

    public static IEnumerable<object[]> BadRequests() => new[]
    {
        new object[] { new[] { "deconv", "IMG", "--weights", "random", "--layer", "block9_conv9", "--channel", "0" }, "unknown layer" },
        new object[] { new[] { "deconv", "IMG", "--weights", "random", "--layer", "block3_conv3", "--channel", "256" }, "out of range" },
        new object[] { new[] { "deconv", "IMG", "--weights", "random", "--layer", "fc2", "--channel", "0" }, "fully connected" },
        new object[] { new[] { "deconv", "IMG", "--weights", "random", "--layer", "block3_conv3", "--channel", "1", "--mode", "mean" }, "unknown projection mode" },
        new object[] { new[] { "occlusion", "IMG", "--weights", "random", "--patch", "225", "--stride", "8" }, "larger than the 224×224 image" },
        new object[] { new[] { "occlusion", "IMG", "--weights", "random", "--patch", "16", "--stride", "0" }, "--stride must be positive" },
        new object[] { new[] { "features", "EMPTY", "--weights", "random", "--layers", "block3_conv3" }, "holds no images" },
        new object[] { new[] { "features", "EMPTY", "--weights", "random", "--layers", "block3_conv3", "--shard", "4/4" }, "invalid --shard" },
        new object[] { new[] { "features", "EMPTY", "--weights", "random", "--layers", "block3_conv3,nope" }, "unknown layer" },
        new object[] { new[] { "invariance", "IMG", "--weights", "random", "--transform", "shear" }, "unknown --transform" },
        new object[] { new[] { "invariance", "IMG", "--weights", "random", "--transform", "scale", "--range", "1:2:0" }, "invalid --range" },
        new object[] { new[] { "merge", "EMPTY", "--out", "OUT" }, "no features.json" },
    };

    [Theory, MemberData(nameof(BadRequests))]
    public void BadInputGivesOneClearLineAndANonZeroExit(string[] args, string expected)
    {
        using var empty = Paths.NewTempDir("deconv-cli-empty");
        using var scratch = Paths.NewTempDir("deconv-cli-out");
        var resolved = args.Select(a => a switch { "IMG" => Photo, "EMPTY" => empty.Path, "OUT" => scratch.File("o"), _ => a }).ToArray();
        var (code, err) = Run(resolved);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("warning:")).ToArray();
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{err}");
        Assert.Contains(expected, lines[0]);
        Assert.False(Directory.Exists(scratch.File("o")) && Directory.EnumerateFiles(scratch.File("o")).Any(), "no output on failure");
    }

    [Fact]
    public void DeconvWritesTheProjectionAsNpyAndAPicture()
    {
        using var dir = Paths.NewTempDir("deconv-cli");
        var (code, err) = Run("deconv", Photo, "--weights", "random", "--device", "cpu", "--layer", "block2_pool", "--channel", "5",
            "--mode", "max", "--export-npy", dir.File("npy"), "--out", dir.File("out"), "--quiet");
        Assert.True(code == 0, err);
        var npy = Npy.Read(dir.File("npy/deconv_block2_pool_5_max.npy"));
        Assert.Equal(new[] { 1, 224, 224, 3 }, npy.Shape);
        var values = npy.AsFloat32();
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(values, v => v != 0);
        Assert.True(File.Exists(dir.File("out/deconv_block2_pool_5_max.png")));
        Assert.True(File.Exists(dir.File("out/deconv_block2_pool_5_max_panel.png")));
    }
}
