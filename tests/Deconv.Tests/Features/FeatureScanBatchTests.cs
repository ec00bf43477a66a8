using CnnEngine.Backends.Cpu;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Features;

/// <summary>
/// The scan's batch plumbing on the real CPU engine: images decoded into reused batch buffers (an unreadable one in
/// the middle of a batch leaves a gap that is closed, a short last batch), the engine writing the scanned layers
/// into the scan's lent arrays (fused conv + pool, and a plain conv copied out), a checkpoint only at the end.
/// Reference: every readable image forwarded alone at batch 1 with a plain recording tap, its maps offered to a
/// fresh <see cref="TopActivations"/> — no batching, no lending, no buffers reused.
/// </summary>
public class FeatureScanBatchTests
{
    private static readonly string[] Layers = { "block4_conv2", "block4_conv3", "block5_conv3" };
    private static readonly Lazy<Vgg16Weights> Weights = new(() => Vgg16Weights.Random(seed: 21));

    /// <summary>The 8 shared photos, 3 of them twice (under c/), and an unreadable file that sorts among them.</summary>
    private static TempDir Dataset()
    {
        var dir = Paths.NewTempDir("deconv-batches");
        Directory.CreateDirectory(dir.File("c"));
        var photos = Directory.GetFiles(Paths.SharedImages).Select(Path.GetFileName).Where(f => f!.EndsWith(".jpg") || f.EndsWith(".png")).Order(StringComparer.Ordinal).ToArray();
        foreach (var p in photos) File.CreateSymbolicLink(dir.File(p!), Paths.SharedImage(p!));
        foreach (var p in photos.Take(3)) File.Copy(Paths.SharedImage(p!), dir.File(Path.Combine("c", p!)));
        File.WriteAllText(dir.File("ozbulak_d_broken.png"), "not a png"); // sorts between two photos: a gap mid-batch
        return dir;
    }

    private static TopActivations Reference(CpuBackend backend, string dataset, IReadOnlyList<string> images)
    {
        var top = new TopActivations(3, Layers.ToDictionary(l => l, l => ConvLayers.Find(l).OutChannels));
        foreach (var name in images)
        {
            NetworkImage image;
            try { image = ImagePipeline.LoadForNetwork(Path.Combine(dataset, name), ImageSize.Vgg16Top); }
            catch (ImageException) { continue; }
            var tap = new RecordingTap(Layers);
            backend.Forward(image.Input, tap);
            foreach (var layer in Layers)
            {
                var a = tap.Activations[layer];
                top.AddImage(name, layer, a.Image(0), a.Shape[1], a.Shape[2], a.Shape[3]);
            }
        }
        return top;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)] // block4_conv2/3 on packed F(4×4) in the first batch (8 images), F(2×2) in the short last one
    public void BatchedScan_GivesWhatImagesForwardedOneByOneGive(int batch)
    {
        using var data = Dataset();
        using var work = Paths.NewTempDir("deconv-batches-out");
        using var backend = new CpuBackend(Weights.Value, 2);
        var images = FeatureScan.ListImages(data.Path);
        Assert.Equal(12, images.Count);
        var expected = Reference(backend, data.Path, images);

        var warnings = new List<string>();
        var state = FeatureScan.Run(backend, data.Path, Layers, 3, ShardSpec.All, batch, work.File("f.json"), warnings.Add);
        Assert.True(state.Complete);
        Assert.Equal(11, state.Processed);
        Assert.Equal(new[] { "ozbulak_d_broken.png" }, state.Skipped);
        Assert.Single(warnings);
        Assert.True(FeatureScanState.Load(work.File("f.json")).Top.SameAs(state.Top));

        if (batch < ConvAlgorithmChoice.LargeBatch)
        {
            Assert.True(state.Top.SameAs(expected), $"batch {batch}: the scan differs from images forwarded one by one");
            return;
        }
        // Another algorithm on block4_conv2/3 at batch 8: the same entries, values within 1e-4 of the layer's top value.
        foreach (var layer in Layers)
        {
            float max = expected.Entries[layer].SelectMany(e => e).Max(e => e.Value);
            for (int c = 0; c < expected.Entries[layer].Length; c++)
            {
                var want = expected.Entries[layer][c];
                var got = state.Top.Entries[layer][c];
                Assert.Equal(want.Count, got.Count);
                for (int r = 0; r < want.Count; r++)
                {
                    Assert.True((want[r].Image, want[r].Y, want[r].X) == (got[r].Image, got[r].Y, got[r].X), $"{layer} channel {c} rank {r}: {want[r]} vs {got[r]}");
                    Assert.True(Math.Abs(want[r].Value - got[r].Value) <= 1e-4 * max, $"{layer} channel {c} rank {r}: {want[r].Value} vs {got[r].Value}");
                }
            }
        }
    }
}
