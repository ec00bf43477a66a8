using CnnEngine.Deconv.Tests.Support;
using CnnEngine.Model;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Features;

/// <summary>The streaming scan over a real folder: the shared photos (linked, never copied into the repo), nested, plus junk.</summary>
public class FeatureScanTests
{
    private static readonly string[] Layers = { "block1_conv1" };

    private static TempDir Dataset()
    {
        var dir = Paths.NewTempDir("deconv-dataset");
        Directory.CreateDirectory(dir.File("b"));
        var photos = new[] { "tfkerasvis_goldfish.jpg", "ozbulak_snake.png", "tfkerasvis_bear.jpg", "ozbulak_spider.png", "kerasvis_ouzel1.jpg" };
        for (int i = 0; i < photos.Length; i++)
            File.CreateSymbolicLink(dir.File(i % 2 == 0 ? photos[i] : Path.Combine("b", photos[i])), Paths.SharedImage(photos[i]));
        File.WriteAllText(dir.File("broken.jpg"), "not a jpeg");   // unreadable: skipped and counted
        File.WriteAllText(dir.File("notes.txt"), "ignored");       // not an image extension
        return dir;
    }

    private static TestForwardBackend Backend() => new(Vgg16Weights.Random(5)) { StopAfter = "block1_conv1" };

    [Fact]
    public void ShardsMergedEqualOneRunAndJunkIsSkipped()
    {
        using var data = Dataset();
        using var work = Paths.NewTempDir("deconv-features");
        using var backend = Backend();
        var warnings = new List<string>();
        var single = FeatureScan.Run(backend, data.Path, Layers, 3, ShardSpec.All, 2, work.File("single.json"), warnings.Add);
        Assert.True(single.Complete);
        Assert.Equal(5, single.Processed);
        Assert.Equal(new[] { "broken.jpg" }, single.Skipped);
        Assert.Contains(warnings, w => w.Contains("broken.jpg"));

        var shards = Enumerable.Range(0, 3)
            .Select(k => FeatureScan.Run(backend, data.Path, Layers, 3, new ShardSpec(k, 3), 2, work.File($"shard{k}.json"), _ => { }))
            .ToArray();
        var merged = FeatureScan.Merge(shards.Reverse().ToArray());
        Assert.True(merged.Top.SameAs(single.Top));
        Assert.Equal(single.Processed, merged.Processed);
        Assert.Equal(single.Skipped, merged.Skipped);
        // results read back from disk merge the same
        var reread = FeatureScan.Merge(Enumerable.Range(0, 3).Select(k => FeatureScanState.Load(work.File($"shard{k}.json"))).ToArray());
        Assert.True(reread.Top.SameAs(single.Top));
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameResult()
    {
        using var data = Dataset();
        using var work = Paths.NewTempDir("deconv-features");
        using var backend = Backend();
        var whole = FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("whole.json"), _ => { });
        var part = FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("part.json"), _ => { }, stopAfter: 1);
        Assert.False(part.Complete);
        Assert.Equal(2, part.Next);
        var resumed = FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("part.json"), _ => { });
        Assert.True(resumed.Complete);
        Assert.True(resumed.Top.SameAs(whole.Top));
        Assert.Equal(whole.Processed, resumed.Processed);
    }

    [Fact]
    public void BadRequestsAreClearErrors()
    {
        using var empty = Paths.NewTempDir("deconv-empty");
        using var work = Paths.NewTempDir("deconv-features");
        using var backend = Backend();
        Assert.Contains("holds no images", Assert.Throws<DeconvException>(() => FeatureScan.Run(backend, empty.Path, Layers, 9, ShardSpec.All, 2, work.File("x.json"), _ => { })).Message);
        using var data = Dataset();
        FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("y.json"), _ => { });
        Assert.Contains("different --top: it has 2, this run has 3", Assert.Throws<DeconvException>(() => FeatureScan.Run(backend, data.Path, Layers, 3, ShardSpec.All, 2, work.File("y.json"), _ => { })).Message);
        File.CreateSymbolicLink(data.File("zz_new.png"), Paths.SharedImage("ozbulak_cat_dog.png"));
        Assert.Contains("files changed", Assert.Throws<DeconvException>(() => FeatureScan.Run(backend, data.Path, Layers, 2, ShardSpec.All, 2, work.File("y.json"), _ => { })).Message);
        var s0 = FeatureScan.Run(backend, data.Path, Layers, 2, new ShardSpec(0, 2), 2, work.File("s0.json"), _ => { });
        Assert.Contains("exactly once", Assert.Throws<DeconvException>(() => FeatureScan.Merge(new[] { s0 })).Message);
    }
}
