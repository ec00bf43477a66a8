using CnnEngine.Deconv.Tests.Support;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Projection;

/// <summary>
/// Projections against the PyTorch reference (gradient with relu(grad) ReLU backward and argmax max-pool routing).
/// Both sides get the same preprocessed input (.npy made by PIL from a real photo) and the same seeded weights.
/// Tolerance: 1e-4 of the projection's largest magnitude.
/// </summary>
public class ProjectionParityTests
{
    private const double Tolerance = 1e-4;

    [SkippableFact]
    public void SmallCropOfARealPhotoMatchesTheReferenceInEveryMode()
    {
        Python.SkipIfUnavailable();
        var (weights, weightsFolder) = Fixtures.RandomWeights(16, includeTop: false);
        var (input, inputNpy) = Fixtures.PhotoCrop("tfkerasvis_goldfish.jpg", 40, 44); // odd pooled sizes: 11 → 5
        var cases = new (string Layer, int Channel, string Mode)[]
        {
            ("block1_conv2", 3, "map"), ("block2_pool", 17, "max"),
            ("block3_conv3", 5, "max"), ("block3_conv3", 5, "map"), ("block3_conv3", 5, "guided"),
            ("block5_conv1", 100, "max"), ("block5_pool", 7, "max"), ("block5_pool", 7, "map"),
        };
        string refDir = Fixtures.Reference("small-goldfish-40x44",
            new[] { "--weights", weightsFolder, "--input-npy", inputNpy }.Concat(cases.SelectMany(c => new[] { "--project", $"{c.Layer}:{c.Channel}:{c.Mode}" })).ToArray());

        using var backend = new TestForwardBackend(weights);
        using var projector = new Projector(weights);
        var tap = Projector.Record(backend, input, "block5_pool");
        foreach (var (layer, channel, mode) in cases)
        {
            var p = projector.Project(tap, layer, channel, ProjectionModes.Parse(mode));
            var expected = Npy.Read(Path.Combine(refDir, $"deconv_{layer}_{channel}_{mode}.npy"));
            Assert.Equal(expected.Shape, p.Pixels.Shape);
            var e = expected.AsFloat32();
            Assert.True(e.Any(v => v != 0), $"{layer}:{channel}:{mode}: the reference projection is all zero (pick a live channel)");
            Compare.AssertClose(e, p.Pixels.Data, Tolerance, $"{layer}:{channel}:{mode}");
        }
    }

    /// <summary>
    /// Full-size photos: in map mode the signal crosses thousands of pool windows, and two correct float32 forwards
    /// can pick different maxima in a near-tie window (rounding decides it), which moves the projection locally by more
    /// than 1e-4. So here the reference routes its pools by the engine's recorded switches, and separately checks
    /// that every such switch is a true argmax of its window up to float32 noise (max gap ≤ 1e-5 of the pool's
    /// largest value) — the rest of the projection (rectification order, transposed filters, seeds) stays independent.
    /// </summary>
    [SkippableTheory, Trait("Category", "FullSize")]
    [InlineData("tfkerasvis_goldfish.jpg")]
    [InlineData("ozbulak_cat_dog.png")]
    public void FullSizePhotoBlock3AndBlock5MatchTheReference(string photo)
    {
        Python.SkipIfUnavailable();
        var (weights, weightsFolder) = Fixtures.RandomWeights(16, includeTop: false);
        var (input, inputNpy) = Fixtures.Photo(photo);
        var cases = new (string Layer, int Channel, string Mode)[]
        {
            ("block3_conv3", 42, "max"), ("block3_conv3", 42, "map"),
            ("block5_conv3", 300, "max"), ("block5_conv3", 300, "map"),
        };
        using var backend = new CnnEngine.Backends.Cpu.CpuBackend(weights);
        using var projector = new Projector(weights);
        var tap = Projector.Record(backend, input, "block5_conv3");
        string name = Path.GetFileNameWithoutExtension(photo);
        string switches = Fixtures.WriteSwitches(tap, name);
        // the cache key carries the switches' hash: a changed forward gets a fresh reference
        string refDir = Fixtures.Reference($"full-sw-{name}-{Fixtures.SwitchesHash(tap)}",
            new[] { "--weights", weightsFolder, "--input-npy", inputNpy, "--switches", switches }
                .Concat(cases.SelectMany(c => new[] { "--project", $"{c.Layer}:{c.Channel}:{c.Mode}" })).ToArray());

        using (var check = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(refDir, "switch_check.json"))))
            foreach (var pool in check.RootElement.EnumerateArray())
            {
                Assert.Equal(0, pool.GetProperty("outside_window").GetInt32());
                double gap = pool.GetProperty("max_gap_relative").GetDouble();
                Assert.True(gap <= 1e-5, $"{pool.GetProperty("pool").GetString()}: an engine switch is {gap:G3} (relative) below its window's max: not a near-tie");
            }
        foreach (var (layer, channel, mode) in cases)
        {
            var p = projector.Project(tap, layer, channel, ProjectionModes.Parse(mode));
            var e = Npy.Read(Path.Combine(refDir, $"deconv_{layer}_{channel}_{mode}.npy")).AsFloat32();
            Assert.True(e.Any(v => v != 0), $"{layer}:{channel}:{mode}: the reference projection is all zero");
            Compare.AssertClose(e, p.Pixels.Data, Tolerance, $"{photo} {layer}:{channel}:{mode}");
        }
    }
}
