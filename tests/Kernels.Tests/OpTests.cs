using CnnEngine.Kernels.Compute;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// The non-conv kernels on ILGPU's CPU accelerator against their scalar oracles (engine/Ops/*/*Scalar.cs), awkward
/// sizes throughout: odd sizes, channel counts that are not a multiple of any group, batch 2, ties, all-zero windows.
/// </summary>
[Collection("Emulator")]
public sealed class OpTests(EmulatorFixture emulator)
{

    [Fact]
    public void MaxPoolMatchesOracleIncludingTiesAndOddSizes()
    {
        var ops = emulator.Ops;
        int seed = 0;
        foreach (var (n, h, w) in new[] { (1, 2, 2), (1, 3, 5), (2, 7, 4), (1, 9, 13) })
            for (int c = 1; c <= 17; c += 4)
            {
                // Quantized values: most windows hold exact ties, which must go to the first in row-major order.
                float[] input = DeviceRun.Quantized(++seed, (long)n * h * w * c);   // (N, H, W, C)
                if (c == 5) Array.Clear(input, 0, Math.Min(input.Length, 2 * w * c));   // all-zero windows: the first (top-left) wins
                int oh = h / 2, ow = w / 2, per = oh * ow * c;
                var expected = new float[n * per];
                var expectedSwitches = new int[n * per];
                for (int i = 0; i < n; i++)
                    MaxPool2x2Scalar.Run(input.AsSpan(i * h * w * c, h * w * c), h, w, c, expected.AsSpan(i * per, per), expectedSwitches.AsSpan(i * per, per));
                var d = ops.Device;
                using var x = DeviceRun.Upload(d, input);
                using var y = d.Allocate<float>(n * per);
                using var s = d.Allocate<int>(n * per);
                ops.MaxPool(x.View, y.View, s.View, n, h, w, c);
                Assert.Equal(expected, DeviceRun.Download(y, n * per));
                Assert.Equal(expectedSwitches, DeviceRun.Download(s, n * per));
            }
    }

    [Fact]
    public void DenseMatchesOracle()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        int seed = 0;
        foreach (var (n, cin, cout) in new[] { (1, 1, 1), (2, 17, 13), (3, 50, 33), (1, 300, 1000), (2, 64, 16), (2, 513, 7) })
            foreach (bool relu in new[] { false, true })
            {
                float[] input = DeviceRun.Random(++seed, (long)n * cin);            // (N, Cin)
                float[] weights = DeviceRun.Random(++seed, (long)cin * cout, 0.3f); // (Cin, Cout)
                float[] bias = DeviceRun.Random(++seed, cout, 0.1f);
                var expected = new float[n * cout];
                DenseScalar.Run(input, n, cin, weights, bias, cout, expected, relu);
                using var dw = new DenseWeights(ops, weights, bias, cin, cout);
                using var x = DeviceRun.Upload(d, input);
                using var y = d.Allocate<float>(n * cout);
                ops.Dense(dw, x.View, y.View, n, relu);
                Compare.AssertClose(expected, DeviceRun.Download(y, n * cout), 1e-5, $"dense N={n} {cin}->{cout} relu={relu}");
            }
    }

    [Fact]
    public void SoftmaxMatchesOracle()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        foreach (var (n, k) in new[] { (1, 1), (3, 7), (2, 1000), (1, 257) })
        {
            float[] logits = DeviceRun.Random(k, (long)n * k, 30f);   // large logits: exp overflows without the max shift
            float[] expected = (float[])logits.Clone();
            SoftmaxScalar.Run(expected, n, k);
            using var x = DeviceRun.Upload(d, logits);
            ops.Softmax(x.View, n, k);
            Compare.AssertClose(expected, DeviceRun.Download(x, n * k), 1e-5, $"softmax {n}x{k}");
        }
    }

    [Fact]
    public void UnpoolMatchesOracleWithSwitchesFromMaxPool()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        int seed = 0;
        foreach (var (h, w) in new[] { (2, 2), (5, 7), (8, 3), (11, 10) })
            for (int c = 1; c <= 17; c += 8)
            {
                // Switches as max pool makes them (the deconvnet's case), from a random plane.
                float[] plane = DeviceRun.Random(++seed, (long)h * w * c);
                int oh = h / 2, ow = w / 2, per = oh * ow * c;
                var pooled = new float[per];
                var switches = new int[per];
                MaxPool2x2Scalar.Run(plane, h, w, c, pooled, switches);
                float[] signal = DeviceRun.Random(++seed, per);       // any signal travels back through the switches
                var expected = new float[h * w * c];
                Unpool2x2Scalar.Run(signal, switches, h, w, c, expected);
                using var p = DeviceRun.Upload(d, signal);
                using var s = DeviceRun.Upload(d, switches);
                using var u = d.Allocate<float>(h * w * c);
                ops.Unpool(p.View, s.View, u.View, 1, h, w, c);
                Assert.Equal(expected, DeviceRun.Download(u, h * w * c));
            }
    }

    [Fact]
    public void RectifyMatchesOracleIncludingNaN()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        float[] values = DeviceRun.Random(3, 1001);
        values[0] = float.NaN; values[1] = float.NegativeInfinity; values[2] = float.PositiveInfinity; values[3] = -0f;
        float[] expected = (float[])values.Clone();
        RectifyScalar.Run(expected);
        using var x = DeviceRun.Upload(d, values);
        ops.Rectify(x.View, values.Length);
        Assert.Equal(expected, DeviceRun.Download(x, values.Length));
    }

    [Fact]
    public void GuidedRectifyMatchesOracle()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        float[] values = DeviceRun.Random(5, 777);
        float[] forward = DeviceRun.Quantized(6, 777);   // zeros, negatives and positives: the forward ReLU closed and open
        values[0] = float.NaN; values[1] = -0f;
        float[] expected = (float[])values.Clone();
        RectifyGuidedScalar.Run(expected, forward);
        using var x = DeviceRun.Upload(d, values);
        using var f = DeviceRun.Upload(d, forward);
        ops.RectifyGuided(x.View, f.View, values.Length);
        Assert.Equal(expected, DeviceRun.Download(x, values.Length));
    }

    [Fact]
    public void ConvTransposeMatchesOracle()
    {
        var ops = emulator.Ops;
        var d = ops.Device;
        int seed = 0;
        foreach (var (h, w, cin, cout) in new[] { (1, 1, 1, 1), (5, 7, 3, 17), (6, 3, 17, 2), (9, 11, 16, 33) })
        {
            float[] signal = DeviceRun.Random(++seed, (long)h * w * cout);        // (H, W, Cout)
            float[] kernel = DeviceRun.Random(++seed, 9L * cin * cout, 0.5f);     // (3, 3, Cin, Cout)
            var expected = new float[h * w * cin];
            ConvTranspose3x3Scalar.Run(signal, h, w, cout, kernel, cin, expected);
            using var k = DeviceRun.Upload(d, kernel);
            using var x = DeviceRun.Upload(d, signal);
            using var y = d.Allocate<float>(h * w * cin);
            ops.ConvTranspose(k.View, x.View, y.View, 1, h, w, cin, cout);
            Compare.AssertClose(expected, DeviceRun.Download(y, h * w * cin), 1e-5, $"conv-transpose H={h} W={w} Cin={cin} Cout={cout}");
        }
    }
}
