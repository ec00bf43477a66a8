using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Taps;
using CnnEngine.TestSupport;
using CnnEngine.Tensors;
using CnnEngine.Weights;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests;

/// <summary>Opens the full-size weights file once for all full-size tests of a class (after Python made it).</summary>
public sealed class FullSizeEngineFixture : IDisposable
{
    private readonly Lazy<(Vgg16Weights Weights, CpuBackend Backend)> _engine = new(() =>
    {
        var weights = Vgg16Weights.FromStore(WeightStore.Open(FullSizeReference.Weights));
        return (weights, new CpuBackend(weights));
    });

    public Vgg16Weights Weights => _engine.Value.Weights;
    public CpuBackend Backend => _engine.Value.Backend;

    public void Dispose()
    {
        if (!_engine.IsValueCreated) return;
        _engine.Value.Backend.Dispose();
        _engine.Value.Weights.Dispose();
    }
}

/// <summary>
/// The C# CPU engine against PyTorch (tests/reference/vgg16_reference.py) on real photos with full-size seeded
/// VGG16 weights WITH the top: the reference's own preprocessed input (input.npy) goes straight into CpuBackend, so
/// this measures the network alone (the image path has its own test, <see cref="ImagePathParityTests"/>).
///
/// Tolerances: every layer within 1e-4 of the reference relative to that layer's max |value| (the issue's bound,
/// kept when the engine moved to Winograd F(4×4, 3×3) for every conv with Cin ≥ 64: the measured error per layer is
/// logged below and quoted in bench/RESULTS.md). Switches
/// identical except at near ties (see <see cref="SwitchComparer"/>). Top-5 indices identical (the reference's top-6
/// probabilities are ≥ 0.3% apart after soften_top.py, far above float32 noise).
/// </summary>
[Trait("Category", "FullSize")]
public class FullSizeCpuParityTests(FullSizeEngineFixture engine, ITestOutputHelper output) : IClassFixture<FullSizeEngineFixture>
{
    public const double Tolerance = 1e-4;

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in FullSizeReference.NetworkCases) data.Add(c.Name);
            return data;
        }
    }

    internal static FullSizeReference.Case Find(string name) =>
        FullSizeReference.NetworkCases.Concat(FullSizeReference.InputCases).Append(FullSizeReference.NativeNotopCase).Single(c => c.Name == name);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Cpu_engine_matches_pytorch_on_a_real_photo(string caseName)
    {
        Python.SkipIfUnavailable();
        var c = Find(caseName);
        var inputNpy = FullSizeReference.Load(c, "input");
        var input = new Tensor(inputNpy.AsFloat32(), inputNpy.Shape);
        var tap = new RecordingTap();
        var result = engine.Backend.Forward(input, tap);
        Assert.Equal(new[] { 1, 1000 }, result.Shape);
        CompareAll(c, tap, 0, output);
        int[] top5 = TopK(result.Data, 5);
        Assert.Equal(FullSizeReference.Top5(c), top5);
        output.WriteLine($"top-5 {string.Join(", ", top5)} identical to PyTorch");
    }

    /// <summary>A batch of all three photos: every image of the batch must match its own reference.</summary>
    [SkippableFact]
    public void Cpu_engine_batch_of_three_matches_pytorch_per_image()
    {
        Python.SkipIfUnavailable();
        var cases = FullSizeReference.NetworkCases;
        var inputs = cases.Select(c => FullSizeReference.Load(c, "input").AsFloat32()).ToArray();
        var batch = new Tensor(inputs.SelectMany(a => a).ToArray(), cases.Length, 224, 224, 3);
        var tap = new RecordingTap();
        var result = engine.Backend.Forward(batch, tap);
        Assert.Equal(new[] { cases.Length, 1000 }, result.Shape);
        for (int n = 0; n < cases.Length; n++)
        {
            CompareAll(cases[n], tap, n, output);
            Assert.Equal(FullSizeReference.Top5(cases[n]), TopK(result.Image(n).ToArray(), 5));
        }
    }

    /// <summary>
    /// The conv base of the same weights (<see cref="Vgg16Weights.WithoutTop"/>, as `features` runs it) at batch 8:
    /// block4_conv2/3 on packed F(4×4, 3×3) (<see cref="ConvAlgorithmChoice.LargeBatch"/>);
    /// every image of the batch must match its own reference on every conv-base layer.
    /// </summary>
    [SkippableFact]
    public void Cpu_engine_conv_base_at_batch_8_matches_pytorch_per_image()
    {
        Python.SkipIfUnavailable();
        var cases = FullSizeReference.NetworkCases;
        var order = Enumerable.Range(0, 8).Select(i => i % cases.Length).ToArray();
        var inputs = cases.Select(c => FullSizeReference.Load(c, "input").AsFloat32()).ToArray();
        var batch = new Tensor(order.SelectMany(i => inputs[i]).ToArray(), order.Length, 224, 224, 3);
        using var backend = new CpuBackend(engine.Weights.WithoutTop());
        Assert.Equal(ConvAlgorithm.Winograd, backend.ConvAlgorithmAt("block4_conv3", order.Length));
        var tap = new RecordingTap();
        var result = backend.Forward(batch, tap);
        Assert.Equal(new[] { 8, 7, 7, 512 }, result.Shape);
        for (int n = 0; n < order.Length; n++) CompareAll(cases[order[n]], tap, n, output, convBaseOnly: true);

        // A tap that wants nothing of block1 lets the first block run in chunks of 4: the same numbers, bit for bit.
        var deep = Vgg16Architecture.ConvBase.Skip(3).Select(l => l.Name).ToArray();
        var chunkedTap = new RecordingTap(deep);
        Assert.True(backend.Forward(batch, chunkedTap).Data.AsSpan().SequenceEqual(result.Data));
        foreach (var layer in deep) Assert.True(chunkedTap.Activations[layer].Data.AsSpan().SequenceEqual(tap.Activations[layer].Data), layer);
    }

    /// <summary>
    /// Without the top at native size (500×348, Keras 3 layout weights): the conv base on a non-square input whose
    /// deeper maps have odd sizes, so every pool drops a row or column somewhere.
    /// </summary>
    [SkippableFact]
    public void Cpu_engine_without_top_matches_pytorch_at_native_size()
    {
        Python.SkipIfUnavailable();
        var c = FullSizeReference.NativeNotopCase;
        var inputNpy = FullSizeReference.Load(c, "input");
        Assert.Equal(new[] { 1, 348, 500, 3 }, inputNpy.Shape);
        using var weights = Vgg16Weights.FromStore(WeightStore.Open(FullSizeReference.NotopWeights));
        Assert.False(weights.HasTop);
        using var backend = new CpuBackend(weights);
        var tap = new RecordingTap();
        var result = backend.Forward(new Tensor(inputNpy.AsFloat32(), inputNpy.Shape), tap);
        Assert.Equal(new[] { 1, 10, 15, 512 }, result.Shape);
        CompareAll(c, tap, 0, output);
    }

    /// <summary>Compares every layer and switch of image n of the tap with the reference of case c; logs a table; asserts.</summary>
    internal static void CompareAll(FullSizeReference.Case c, RecordingTap tap, int n, ITestOutputHelper output, bool convBaseOnly = false)
    {
        var failures = new List<string>();
        var maxAbsErr = new Dictionary<string, double>();
        output.WriteLine($"{c.Name} (image {n} of the batch): layer, max |C# - PyTorch| / max |PyTorch|, PyTorch's own fp32-vs-fp64 noise");
        foreach (var layer in Vgg16Architecture.Layers(includeTop: !c.Notop && !convBaseOnly))
        {
            var expected = FullSizeReference.Load(c, layer.Name);
            Assert.True(tap.Activations.ContainsKey(layer.Name), $"the tap got no {layer.Name}");
            var actual = tap.Activations[layer.Name];
            Assert.Equal(expected.Shape.Skip(1), actual.Shape.Skip(1));
            float[] e = expected.AsFloat32();
            ReadOnlySpan<float> a = actual.Image(n);
            double maxRef = 0, err = 0;
            for (int i = 0; i < e.Length; i++)
            {
                maxRef = Math.Max(maxRef, Math.Abs(e[i]));
                if (!float.IsFinite(a[i])) { err = double.PositiveInfinity; break; }
                err = Math.Max(err, Math.Abs((double)a[i] - e[i]));
            }
            double rel = maxRef > 0 ? err / maxRef : err;
            maxAbsErr[layer.Name] = err;
            var (noise, _) = FullSizeReference.Fp32Noise(c, layer.Name);
            output.WriteLine($"  {layer.Name,-14} {rel:E2}   (fp32 noise {noise:E2})");
            if (!(rel <= Tolerance)) failures.Add($"{layer.Name}: relative error {rel:G3} > {Tolerance:G3}");
        }
        foreach (var pool in Vgg16Architecture.ConvBase.Where(l => l.IsPool))
        {
            var refSw = FullSizeReference.Load(c, pool.Name + "_switches");
            Assert.Equal("<i4", refSw.Dtype);
            var inputLayer = TinyNetReference.PoolInput(pool);
            var refIn = FullSizeReference.Load(c, inputLayer.Name);
            int h = refIn.Shape[1], w = refIn.Shape[2], ch = refIn.Shape[3];
            Assert.Equal(refSw.Shape.Skip(1), tap.Switches[pool.Name].Shape.Skip(1));
            var (_, fp64Flips) = FullSizeReference.Fp32Noise(c, pool.Name);
            try
            {
                var r = SwitchComparer.Check($"{c.Name} {pool.Name}", null, refSw.AsInt32(), tap.Switches[pool.Name].Image(n).ToArray(),
                    h, w, ch, refIn.AsFloat32(), tap.Activations[inputLayer.Name].Image(n).ToArray(), 2 * maxAbsErr[inputLayer.Name]);
                output.WriteLine($"  {pool.Name}_switches: {r}; PyTorch fp32 vs fp64 flips: {fp64Flips}");
            }
            catch (Xunit.Sdk.XunitException ex) { failures.Add(ex.Message); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    internal static int[] TopK(ReadOnlySpan<float> probabilities, int k) =>
        probabilities.ToArray().Select((p, i) => (p, i)).OrderByDescending(t => t.p).ThenBy(t => t.i).Take(k).Select(t => t.i).ToArray();
}
