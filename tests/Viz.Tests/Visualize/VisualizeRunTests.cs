using CnnEngine.Viz.Animation;
using CnnEngine.Model;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Cli;
using CnnEngine.Viz.Rendering;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Visualize;

public class VisualizeRunTests
{
    private static readonly ClassScore[] Top5 =
    {
        new(294, "brown_bear", 0.91f), new(295, "American_black_bear", 0.05f), new(296, "ice_bear", 0.02f),
        new(297, "sloth_bear", 0.01f), new(150, "sea_lion", 0.004f),
    };

    [SkippableFact]
    public void DefaultRunWritesEveryPictureAndTheyDecodeInPil()
    {
        using var dir = Paths.NewTempDir("viz-run");
        string output = Path.Combine(dir.Path, "out");
        var section = new ReportSection("Deconvnet", "<p id=\"deconv\"><img src=\"deconv/a.png\" alt=\"a\"></p>",
            new[] { new ReportAsset("deconv/a.png", PngWriter.Encode(new byte[] { 1, 2, 3 }, 1, 1, 3)) });
        var inputs = SyntheticInputs.Make(64, random: true, top5: Top5, npy: new[] { "npy/block1_conv1.npy" }, sections: new[] { section });
        var options = VisualizeOptions.Create(output: output, frameDelayMs: 120);

        var result = VisualizeRun.Run(options, inputs, SilentVizProgress.Instance);

        Assert.Equal(Path.GetFullPath(output), result.OutputDirectory);
        var expected = new List<string> { "deconv/a.png", "index.html", "input.png", "journey.gif", "zoom.gif" };
        var layers = Vgg16Architecture.ConvBase;
        for (int i = 0; i < layers.Count; i++) expected.Add($"layers/{i:00}.{layers[i].Name}_0-{layers[i].OutChannels}.png");
        Assert.Equal(expected.OrderBy(x => x, StringComparer.Ordinal), result.Files.Select(f => f.RelativePath));
        Assert.Contains("layers/00.block1_conv1_0-64.png", result.Files.Select(f => f.RelativePath));
        foreach (var f in result.Files) Assert.Equal(new FileInfo(Path.Combine(output, f.RelativePath)).Length, f.Bytes);
        Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no temp folder left
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));

        var paths = result.Files.Where(f => f.RelativePath.EndsWith(".png") || f.RelativePath.EndsWith(".gif"))
            .Select(f => Path.Combine(output, f.RelativePath)).ToArray();
        var pil = PilDecoder.Decode(paths);

        // Each grid decodes to exactly the pixels the renderer draws.
        for (int i = 0; i < layers.Count; i++)
        {
            var activation = inputs.Activations[layers[i].Name];
            var canvas = LayerGridRenderer.Render(new LayerGridRequest(i, layers[i].Name, activation, 0, activation.Shape[3], Colormap.Viridis, false, true));
            var decoded = pil[Path.Combine(output, $"layers/{i:00}.{layers[i].Name}_0-{layers[i].OutChannels}.png")];
            Assert.Equal((canvas.Width, canvas.Height, "RGB"), (decoded.Width, decoded.Height, decoded.Mode));
            Assert.True(canvas.Pixels.AsSpan().SequenceEqual(decoded.Pixels()), $"{layers[i].Name} grid differs after decoding");
        }
        Assert.True(inputs.Picture.Rgb.AsSpan().SequenceEqual(pil[Path.Combine(output, "input.png")].Pixels()));

        var journey = pil[Path.Combine(output, "journey.gif")];
        Assert.Equal(1 + 13, journey.Frames);
        Assert.All(journey.Durations, d => Assert.Equal(120, d));
        Assert.Equal(0, journey.Loop);
        var zoom = pil[Path.Combine(output, "zoom.gif")];
        // The zoom keeps its own timing (--frame-delay is the journey's): short crossfade frames, about 7 s in all (PIL's reading).
        Assert.Equal(2 + 13 * ZoomAnimation.FadeFrames + 2, zoom.Frames);
        Assert.All(zoom.Durations.Skip(2).SkipLast(2), d => Assert.Equal(ZoomAnimation.FadeFrameDelayMs, d));
        Assert.InRange(zoom.Durations.Sum(), 6000, 8000);

        string html = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.Contains("random weights: not ImageNet features", html);
        Assert.Contains("brown_bear", html);
        Assert.Contains("91.00%", html);
        Assert.Contains("src=\"layers/17.block5_pool_0-512.png\"", html);
        Assert.Contains("href=\"npy/block1_conv1.npy\"", html);
        Assert.Contains("<p id=\"deconv\">", html);
    }

    [Fact]
    public void LayersAndChannelsSelectSubsetsAndPoolsJoinTheJourney()
    {
        using var dir = Paths.NewTempDir("viz-subset");
        string output = Path.Combine(dir.Path, "out");
        var options = VisualizeOptions.Create(output: output, layers: "block5_pool,block1_conv1", channels: "0-16", withPools: true, colormap: "gray");
        var result = VisualizeRun.Run(options, SyntheticInputs.Make(32), SilentVizProgress.Instance);
        var grids = result.Files.Where(f => f.Kind == "layer-grid").Select(f => f.RelativePath).ToArray();
        Assert.Equal(new[] { "layers/00.block1_conv1_0-16.png", "layers/17.block5_pool_0-16.png" }, grids);
        string html = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.DoesNotContain("random weights", html);
        Assert.Contains("block3_conv2", html); // every layer still has its statistics row
    }

    [SkippableFact]
    public void NonSquareInputsWork()
    {
        // --size native keeps the photo's aspect: 48×80 gives maps from 48×80 down to 1×2.
        using var dir = Paths.NewTempDir("viz-nonsquare");
        string output = Path.Combine(dir.Path, "out");
        var inputs = SyntheticInputs.Make(48, 80);
        var result = VisualizeRun.Run(VisualizeOptions.Create(output: output, zoom: "70,10", withPools: true), inputs, SilentVizProgress.Instance);
        Assert.Equal((70, 10), result.ZoomTarget);
        var pil = PilDecoder.Decode(Path.Combine(output, "journey.gif"), Path.Combine(output, "layers/17.block5_pool_0-512.png"));
        Assert.Equal(1 + 18, pil[Path.Combine(output, "journey.gif")].Frames); // conv and pool layers
        Assert.Equal("RGB", pil[Path.Combine(output, "layers/17.block5_pool_0-512.png")].Mode);
    }

    [Fact]
    public void ANonEmptyFolderIsRefusedUnlessForced()
    {
        using var dir = Paths.NewTempDir("viz-force");
        string output = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        var inputs = SyntheticInputs.Make(32);

        var e = Assert.Throws<CliException>(() => VisualizeRun.Run(VisualizeOptions.Create(output: output), inputs, SilentVizProgress.Instance));
        Assert.Contains("not empty", e.Message);
        Assert.Equal(new[] { "keep.txt" }, Directory.GetFileSystemEntries(output).Select(Path.GetFileName));

        VisualizeRun.Run(VisualizeOptions.Create(output: output, force: true), inputs, SilentVizProgress.Instance);
        Assert.False(File.Exists(Path.Combine(output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(output, "index.html")));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AnUnwritableFolderIsOneClearLine()
    {
        using var dir = Paths.NewTempDir("viz-unwritable");
        string file = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<CliException>(() =>
            VisualizeRun.Run(VisualizeOptions.Create(output: Path.Combine(file, "out")), SyntheticInputs.Make(32), SilentVizProgress.Instance));
        Assert.Contains("cannot write", e.Message);
    }

    [Fact]
    public void BadInputsLeaveNothingBehind()
    {
        using var dir = Paths.NewTempDir("viz-bad");
        string output = Path.Combine(dir.Path, "out");
        var inputs = SyntheticInputs.Make(32);

        var missing = new Dictionary<string, CnnEngine.Tensors.Tensor>(inputs.Activations);
        missing.Remove("block3_pool");
        var e1 = Assert.Throws<CliException>(() => VisualizeRun.Run(VisualizeOptions.Create(output: output), inputs with { Activations = missing }, SilentVizProgress.Instance));
        Assert.Contains("block3_pool", e1.Message);

        var e2 = Assert.Throws<CliException>(() => VisualizeRun.Run(VisualizeOptions.Create(output: output, zoom: "40,3"), inputs, SilentVizProgress.Instance));
        Assert.Contains("outside the 32x32", e2.Message);

        // A failure halfway (a report asset escaping the folder) removes the temporary folder too.
        var evil = new ReportSection("x", "", new[] { new ReportAsset("../escape.png", new byte[] { 1 }) });
        Assert.Throws<ArgumentException>(() => VisualizeRun.Run(VisualizeOptions.Create(output: output), inputs with { ExtraSections = new[] { evil } }, SilentVizProgress.Instance));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void TheDefaultFolderIsNamedAfterTheImage() =>
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "tfkerasvis_bear_viz"), VisualizeRun.DefaultOutputDirectory("../shared/images/tfkerasvis_bear.jpg"));
}
