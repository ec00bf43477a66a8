using System.Diagnostics;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// Checks on the reference tool itself (tests/reference/vgg16_reference.py), since every full-size parity test
/// trusts it: the three Keras .h5 layouts written by the weights generator from one seed must give bit-identical
/// outputs, and its max_pool2d switches must follow the documented rule on its own data.
/// </summary>
[Trait("Category", "FullSize")]
public class ReferenceScriptTests
{
    [SkippableFact]
    public void Reference_reads_the_three_keras_layouts_identically()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("parity-layouts");
        // A 40×36 random input keeps each PyTorch run to a second; the weights are full-size notop (59 MB each).
        string input = tmp.File("x.npy");
        Python.RunRaw(new[] { "-c", $"import numpy as np; np.save('{input}', (np.random.default_rng(3).uniform(-120, 130, (1, 40, 36, 3))).astype(np.float32))" },
            TimeSpan.FromMinutes(1));
        var outputs = new Dictionary<string, string>();
        foreach (var layout in new[] { "applications", "keras2", "keras3" })
        {
            string weights = tmp.File($"{layout}.h5");
            Python.Run(FullSizeReference.WeightsScript, TimeSpan.FromMinutes(5), weights, "--layout", layout, "--notop", "--seed", "5");
            string outDir = tmp.File("ref-" + layout);
            Python.Run(FullSizeReference.ReferenceScript, TimeSpan.FromMinutes(5), "--weights", weights, "--input-npy", input, "--out", outDir);
            File.Delete(weights);
            outputs[layout] = outDir;
        }
        foreach (var name in new[] { "block1_conv1", "block3_pool", "block5_conv3", "block5_pool", "block2_pool_switches", "block5_pool_switches" })
        {
            var a = Npy.Read(Path.Combine(outputs["applications"], name + ".npy"));
            foreach (var other in new[] { "keras2", "keras3" })
            {
                var b = Npy.Read(Path.Combine(outputs[other], name + ".npy"));
                Assert.Equal(a.Shape, b.Shape);
                Assert.True(a.Raw.AsSpan().SequenceEqual(b.Raw), $"{name}: {other} layout differs from applications");
            }
        }
        var pool5 = Npy.Read(Path.Combine(outputs["keras3"], "block5_pool.npy"));
        Assert.Equal(new[] { 1, 1, 1, 512 }, pool5.Shape);
        Assert.Contains(pool5.AsFloat32(), v => v > 0);
    }

    [SkippableFact]
    public void Reference_switches_point_at_the_first_maximum_of_each_window()
    {
        Python.SkipIfUnavailable();
        var c = FullSizeReference.NetworkCases[0];
        foreach (var (pool, input) in new[] { ("block1_pool", "block1_conv2"), ("block3_pool", "block3_conv3"), ("block5_pool", "block5_conv3") })
        {
            var x = FullSizeReference.Load(c, input);
            var sw = FullSizeReference.Load(c, pool + "_switches").AsInt32();
            var y = FullSizeReference.Load(c, pool).AsFloat32();
            float[] xs = x.AsFloat32();
            int w = x.Shape[2], ch = x.Shape[3], outW = w / 2;
            for (int p = 0; p < sw.Length; p++)
            {
                int cc = p % ch, oy = p / ch / outW, ox = p / ch % outW;
                int first = -1;
                float best = float.NegativeInfinity;
                for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                {
                    int s = (2 * oy + dy) * w + 2 * ox + dx;
                    if (first < 0 || xs[s * ch + cc] > best) { best = xs[s * ch + cc]; first = s; }
                }
                if (sw[p] != first || y[p] != best)
                    Assert.Fail($"{pool} at {p}: PyTorch switch {sw[p]} value {y[p]}, first maximum {first} value {best}");
            }
        }
    }
}
