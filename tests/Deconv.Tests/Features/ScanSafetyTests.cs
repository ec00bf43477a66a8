using System.Runtime.InteropServices;
using CnnEngine.Deconv.Tests.Support;
using CnnEngine.Model;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Deconv.Tests.Features;

/// <summary>
/// Issue 13: a dataset folder with a FIFO named .png (hung the scan), a symlink loop (one image counted 41 times),
/// resumes and merges across different weights (mixed two models silently), a part with a garbage field.
/// </summary>
[Collection("console")]
public partial class ScanSafetyTests
{
    private static readonly string[] Layers = { "block1_conv1" };

    private static TestForwardBackend Backend(int seed) => new(Vgg16Weights.Random(seed)) { StopAfter = "block1_conv1" };

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [Fact]
    public void OnlyRegularFilesAndEachRealFileOnce()
    {
        using var data = Paths.NewTempDir("scan-safety");
        File.CreateSymbolicLink(data.File("snake.png"), Paths.SharedImage("ozbulak_snake.png"));
        File.CreateSymbolicLink(data.File("snake-again.png"), Paths.SharedImage("ozbulak_snake.png"));   // a second link: same real file
        Directory.CreateDirectory(data.File("sub"));
        File.CreateSymbolicLink(data.File("sub/goldfish.jpg"), Paths.SharedImage("tfkerasvis_goldfish.jpg"));
        Directory.CreateSymbolicLink(data.File("sub/loop"), data.Path);                                   // sub/loop/sub/loop/…
        Assert.Equal(0, mkfifo(data.File("pipe.png"), Convert.ToUInt32("644", 8)));                      // would block any reader
        File.CreateSymbolicLink(data.File("zero.jpg"), "/dev/zero");                                      // a device, not an image

        var warnings = new List<string>();
        var images = FeatureScan.ListImages(data.Path, warnings.Add);
        Assert.Equal(new[] { "snake-again.png", "sub/goldfish.jpg" }, images);   // first name (ordinal) of each real file
        Assert.Contains(warnings, w => w.Contains("pipe.png") && w.Contains("a FIFO, not a regular file"));
        Assert.Contains(warnings, w => w.Contains("zero.jpg") && w.Contains("a character device, not a regular file"));

        // And the whole scan finishes (it used to block forever opening the FIFO).
        using var work = Paths.NewTempDir("scan-safety-out");
        using var backend = Backend(5);
        FeatureScanState? state = null;
        var scan = new Thread(() => state = FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("f.json"), _ => { })) { IsBackground = true };
        scan.Start();
        Assert.True(scan.Join(TimeSpan.FromMinutes(2)), "the scan did not finish");
        Assert.Equal(2, state!.Processed);
    }

    private static TempDir TwoPhotos()
    {
        var data = Paths.NewTempDir("scan-weights");
        File.CreateSymbolicLink(data.File("a.png"), Paths.SharedImage("ozbulak_snake.png"));
        File.CreateSymbolicLink(data.File("b.jpg"), Paths.SharedImage("tfkerasvis_goldfish.jpg"));
        return data;
    }

    [Fact]
    public void ResumeWithOtherWeightsIsRefusedNamingBoth()
    {
        using var data = TwoPhotos();
        using var work = Paths.NewTempDir("scan-weights-out");
        using var first = Backend(5);
        using var other = Backend(6);
        var part = FeatureScan.Run(first, data.Path, Layers, 2, ShardSpec.All, 1, work.File("f.json"), _ => { }, stopAfter: 1);
        Assert.False(part.Complete);
        var e = Assert.Throws<DeconvException>(() => FeatureScan.Run(other, data.Path, Layers, 2, ShardSpec.All, 1, work.File("f.json"), _ => { }));
        Assert.Contains("different weights", e.Message);
        Assert.Contains(WeightsIdentity.Of(first.Weights).Sha256, e.Message);
        Assert.Contains(WeightsIdentity.Of(other.Weights).Sha256, e.Message);
        // The same weights resume.
        Assert.True(FeatureScan.Run(first, data.Path, Layers, 2, ShardSpec.All, 1, work.File("f.json"), _ => { }).Complete);
    }

    [Fact]
    public void MergeAcrossWeightsOrLayersIsRefusedNamingBoth()
    {
        using var data = TwoPhotos();
        using var work = Paths.NewTempDir("scan-weights-out");
        using var a = Backend(5);
        using var b = Backend(6);
        var s0 = FeatureScan.Run(a, data.Path, Layers, 2, new ShardSpec(0, 2), 1, work.File("s0.json"), _ => { });
        var s1 = FeatureScan.Run(b, data.Path, Layers, 2, new ShardSpec(1, 2), 1, work.File("s1.json"), _ => { });
        var e = Assert.Throws<DeconvException>(() => FeatureScan.Merge(new[] { s0, s1 }));
        Assert.Contains($"different weights: shard 0/2 has sha256 {s0.Weights.Sha256}", e.Message);
        Assert.Contains($"shard 1/2 has sha256 {s1.Weights.Sha256}", e.Message);
        // Through the CLI, from the files: the same refusal, one line.
        foreach (var k in new[] { 0, 1 }) { Directory.CreateDirectory(work.File($"p{k}")); File.Copy(work.File($"s{k}.json"), work.File($"p{k}/features.json")); }
        var (code, err) = Run("merge", work.File("p0"), work.File("p1"), "--out", work.File("m"), "--render-channels", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("different weights", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("\"garbage\"")]    // was "Value cannot be null. (Parameter 'source')"
    [InlineData("{}")]
    [InlineData("{\"K\":2,\"Layers\":[\"block1_conv1\"],\"Entries\":{\"block1_conv1\":[[{\"V\":1,\"I\":null,\"Y\":0,\"X\":0}]]}}")]
    public void AMergePartWithAGarbageTopIsOneLine(string top)
    {
        using var data = TwoPhotos();
        using var work = Paths.NewTempDir("scan-garbage");
        using var backend = Backend(5);
        FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("f.json"), _ => { });
        string json = File.ReadAllText(work.File("f.json"));
        int at = json.IndexOf("\"top\":", StringComparison.Ordinal);
        Assert.True(at > 0);
        Directory.CreateDirectory(work.File("part"));
        File.WriteAllText(work.File("part/features.json"), json[..at] + "\"top\":" + top + "}");
        var (code, err) = Run("merge", work.File("part"), "--out", work.File("m"), "--render-channels", "0");
        Assert.NotEqual(0, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("is not a readable features result (top", line);
        Assert.Contains(Path.Combine(work.File("part"), "features.json"), line);
    }

    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (EngineVizCli.Run(args), err.ToString()); }
        finally { Console.SetError(old); }
    }
}
