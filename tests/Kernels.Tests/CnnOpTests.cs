using CnnEngine.Kernels.Compute;
using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Kernels.Tests;

/// <summary>
/// The own-model kernels (kernels/Ops: Conv2dGeneralKernel, MaxPool2dKernel, AvgPool2dKernel, ActivationKernel,
/// ChannelAffineKernel, ZeroPadKernel, GlobalPoolKernel) on ILGPU's CPU accelerator against the engine's scalar oracles
/// (Conv2dGeneralScalar, MaxPool2dScalar, AvgPool2dScalar, Elementwise): odd sizes, strides 1–3, 'valid' and 'same'
/// with asymmetric padding, channel counts 1..17, batch 2, exact ties in max pool windows. Float sums on the device
/// against the oracles' double sums: 1e-5 of the tensor's max for the sums, exact for max pools and copies.
/// </summary>
[Collection("Emulator")]
public sealed class CnnOpTests(EmulatorFixture emulator)
{
    private GpuCnnOps Cnn { get; } = new(emulator.Device);

    /// <summary>(N, H, W, window, same): the awkward windows of own models — 'same' pads asymmetrically at even sizes and stride 2.</summary>
    private static IEnumerable<(int N, int H, int W, Window2D Window)> Windows()
    {
        foreach (var (n, h, w, k, kw, s, same) in new[]
        {
            (1, 5, 7, 3, 3, 1, true), (2, 7, 6, 3, 3, 2, true), (1, 9, 9, 5, 5, 2, false), (1, 8, 8, 4, 4, 2, true),
            (2, 6, 5, 2, 2, 1, false), (1, 10, 7, 5, 5, 2, true), (1, 4, 9, 1, 3, 3, true), (1, 7, 7, 7, 7, 1, false),
        })
            yield return (n, h, w, Window2D.For(h, w, k, kw, s, s, same));
    }

    [Fact]
    public void GeneralConvMatchesOracleOnAwkwardWindowsAndChannels()
    {
        var d = emulator.Device;
        int seed = 100, cases = 0;
        foreach (var (n, h, w, window) in Windows())
            foreach (var (cin, cout) in new[] { (1, 1), (3, 17), (17, 5), (8, 9) })
            {
                int oh = window.OutHeight(h), ow = window.OutWidth(w);
                float[] input = DeviceRun.Random(++seed, (long)n * h * w * cin);                                    // (N, H, W, Cin)
                float[] kernel = DeviceRun.Random(++seed, (long)window.KernelH * window.KernelW * cin * cout, 0.4f); // (KH, KW, Cin, Cout)
                float[] bias = DeviceRun.Random(++seed, cout, 0.2f);
                int inPer = h * w * cin, outPer = oh * ow * cout;
                var expected = new float[n * outPer];                                                              // (N, OH, OW, Cout)
                for (int i = 0; i < n; i++)
                    Conv2dGeneralScalar.Run(input.AsSpan(i * inPer, inPer), h, w, cin, window, kernel, bias, cout, expected.AsSpan(i * outPer, outPer));
                var act = (cases % 3) switch { 0 => ActivationFunction.Linear, 1 => ActivationFunction.Relu, _ => new ActivationFunction(ActivationKind.Elu, 0.7f) };
                Elementwise.Activate(expected, cout, act);

                using var x = DeviceRun.Upload(d, input);
                using var k = DeviceRun.Upload(d, kernel);
                using var b = DeviceRun.Upload(d, bias);
                using var y = d.Allocate<float>(expected.Length);
                Cnn.Conv(x.View, k.View, b.View, y.View, n, h, w, cin, cout, window, act);
                Compare.AssertClose(expected, DeviceRun.Download(y, expected.Length), 1e-5, $"conv N={n} {h}x{w}x{cin}->{cout} {window} {act}");
                cases++;
            }
        Assert.Equal(32, cases);
    }

    [Fact]
    public void GeneralConvWithoutBiasOrPaddingBeyondOneRowMatchesOracle()
    {
        // A 'same' 6×6 stride-1 kernel on a 3-pixel-wide input: padding 2 before and 3 after, windows mostly outside.
        var d = emulator.Device;
        int h = 4, w = 3, cin = 2, cout = 3;
        var window = Window2D.For(h, w, 6, 6, 1, 1, same: true);
        Assert.Equal((2, 3, 2, 3), (window.PadTop, window.PadBottom, window.PadLeft, window.PadRight));
        float[] input = DeviceRun.Random(7, h * w * cin), kernel = DeviceRun.Random(8, 36 * cin * cout), bias = new float[cout];
        var expected = new float[h * w * cout];
        Conv2dGeneralScalar.Run(input, h, w, cin, window, kernel, ReadOnlySpan<float>.Empty, cout, expected);
        using var x = DeviceRun.Upload(d, input);
        using var k = DeviceRun.Upload(d, kernel);
        using var b = DeviceRun.Upload(d, bias);
        using var y = d.Allocate<float>(expected.Length);
        Cnn.Conv(x.View, k.View, b.View, y.View, 1, h, w, cin, cout, window, ActivationFunction.Linear);
        Compare.AssertClose(expected, DeviceRun.Download(y, expected.Length), 1e-5, "conv 6x6 same on 4x3");
    }

    [Fact]
    public void GeneralMaxPoolMatchesOracleIncludingTiesAndPadding()
    {
        var d = emulator.Device;
        int seed = 200, cases = 0;
        foreach (var (n, h, w, k, s, same) in new[]
        {
            (1, 5, 7, 3, 2, true), (2, 7, 6, 3, 2, false), (1, 9, 9, 2, 2, true), (1, 6, 6, 1, 1, false),
            (2, 8, 5, 3, 1, true), (1, 11, 4, 4, 3, true), (1, 3, 3, 3, 3, false),
        })
            for (int c = 1; c <= 17; c += 8)
            {
                var window = Window2D.For(h, w, k, k, s, s, same);
                int oh = window.OutHeight(h), ow = window.OutWidth(w), inPer = h * w * c, outPer = oh * ow * c;
                // Quantized values: most windows hold exact ties, which go to the first in row-major window order.
                float[] input = DeviceRun.Quantized(++seed, (long)n * inPer);
                if (c == 9) for (int i = 0; i < input.Length; i++) input[i] = -Math.Abs(input[i]) - 1;   // all negative: padding must not win as 0
                var expected = new float[n * outPer];
                var expectedSwitches = new int[n * outPer];
                for (int i = 0; i < n; i++)
                    MaxPool2dScalar.Run(input.AsSpan(i * inPer, inPer), h, w, c, window, expected.AsSpan(i * outPer, outPer), expectedSwitches.AsSpan(i * outPer, outPer));
                using var x = DeviceRun.Upload(d, input);
                using var y = d.Allocate<float>(expected.Length);
                using var sw = d.Allocate<int>(expected.Length);
                Cnn.MaxPool(x.View, y.View, sw.View, n, h, w, c, window);
                string what = $"maxpool N={n} {h}x{w}x{c} {window}";
                Assert.True(expected.AsSpan().SequenceEqual(DeviceRun.Download(y, expected.Length)), what);
                Assert.True(expectedSwitches.AsSpan().SequenceEqual(DeviceRun.Download(sw, expected.Length)), what + " switches");
                cases++;
            }
        Assert.Equal(21, cases);
    }

    [Fact]
    public void AveragePoolCountsOnlyCellsInsideTheImage()
    {
        var d = emulator.Device;
        int seed = 300;
        foreach (var (n, h, w, k, s, same) in new[]
        {
            (1, 5, 7, 2, 2, true), (2, 7, 6, 3, 2, true), (1, 9, 9, 2, 2, false), (1, 6, 6, 3, 1, true), (1, 11, 4, 4, 3, true),
        })
            for (int c = 1; c <= 17; c += 4)
            {
                var window = Window2D.For(h, w, k, k, s, s, same);
                int oh = window.OutHeight(h), ow = window.OutWidth(w), inPer = h * w * c, outPer = oh * ow * c;
                float[] input = DeviceRun.Random(++seed, (long)n * inPer, 3f);
                var expected = new float[n * outPer];
                for (int i = 0; i < n; i++)
                    AvgPool2dScalar.Run(input.AsSpan(i * inPer, inPer), h, w, c, window, expected.AsSpan(i * outPer, outPer));
                using var x = DeviceRun.Upload(d, input);
                using var y = d.Allocate<float>(expected.Length);
                Cnn.AvgPool(x.View, y.View, n, h, w, c, window);
                Compare.AssertClose(expected, DeviceRun.Download(y, expected.Length), 1e-6, $"avgpool N={n} {h}x{w}x{c} {window}");
            }

        // The divisor at a 'same' border: 2×2 stride 2 on a 3×3 plane of ones keeps every average exactly 1 (counting the
        // padding would give 0.5 and 0.25 on the last row and column).
        var ones = Enumerable.Repeat(1f, 9).ToArray();
        using var o = DeviceRun.Upload(d, ones);
        using var r = d.Allocate<float>(4);
        Cnn.AvgPool(o.View, r.View, 1, 3, 3, 1, Window2D.For(3, 3, 2, 2, 2, 2, same: true));
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, DeviceRun.Download(r, 4));
    }

    public static TheoryData<string> ActivationNames => new() { "relu", "leaky", "relu6-threshold", "elu", "sigmoid", "tanh", "linear" };

    private static ActivationFunction Named(string name) => name switch
    {
        "relu" => ActivationFunction.Relu,
        "leaky" => new ActivationFunction(ActivationKind.Relu, Alpha: 0.3f),
        "relu6-threshold" => new ActivationFunction(ActivationKind.Relu, Alpha: 0.1f, MaxValue: 6f, Threshold: 0.5f),
        "elu" => new ActivationFunction(ActivationKind.Elu, Alpha: 1.3f),
        "sigmoid" => new ActivationFunction(ActivationKind.Sigmoid),
        "tanh" => new ActivationFunction(ActivationKind.Tanh),
        _ => ActivationFunction.Linear,
    };

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void ActivationMatchesElementwise(string name)
    {
        var d = emulator.Device;
        var f = Named(name);
        float[] values = DeviceRun.Random(name.Length, 1003, 9f);   // spans 6 (relu6), the threshold, big |x| for exp
        values[0] = 6f; values[1] = 0.5f; values[2] = 0f; values[3] = -40f; values[4] = 40f;
        float[] expected = (float[])values.Clone();
        Elementwise.Activate(expected, 1, f);
        using var x = DeviceRun.Upload(d, values);
        Cnn.Activate(x.View, values.Length, f);
        Compare.AssertClose(expected, DeviceRun.Download(x, values.Length), 1e-6, $"activation {f}");
    }

    [Fact]
    public void ChannelAffineMatchesElementwise()
    {
        var d = emulator.Device;
        foreach (int c in new[] { 1, 3, 17 })
        {
            float[] input = DeviceRun.Random(c, 2 * 5 * 3 * c), scale = DeviceRun.Random(c + 1, c), shift = DeviceRun.Random(c + 2, c);
            var expected = new float[input.Length];
            Elementwise.ChannelAffine(input, expected, c, scale, shift);
            using var x = DeviceRun.Upload(d, input);
            using var sc = DeviceRun.Upload(d, scale);
            using var sh = DeviceRun.Upload(d, shift);
            using var y = d.Allocate<float>(input.Length);
            Cnn.ChannelAffine(x.View, y.View, sc.View, sh.View, input.Length, c);
            Compare.AssertClose(expected, DeviceRun.Download(y, input.Length), 1e-6, $"affine C={c}");
        }
    }

    [Fact]
    public void ZeroPadMatchesElementwiseAndOverwritesTheBorder()
    {
        var d = emulator.Device;
        foreach (var (n, h, w, c, t, b, l, r) in new[] { (1, 3, 4, 1, 1, 1, 1, 1), (2, 5, 3, 17, 0, 2, 3, 0), (1, 1, 1, 3, 2, 0, 0, 1) })
        {
            float[] input = DeviceRun.Random(c + h, (long)n * h * w * c);
            int oh = h + t + b, ow = w + l + r;
            var expected = new float[n * oh * ow * c];
            Elementwise.ZeroPad(input, n, h, w, c, t, b, l, r, expected);
            using var x = DeviceRun.Upload(d, input);
            using var y = DeviceRun.Upload(d, Enumerable.Repeat(float.NaN, expected.Length).ToArray());   // garbage: the border must be written
            Cnn.ZeroPad(x.View, y.View, n, h, w, c, t, b, l, r);
            Assert.Equal(expected, DeviceRun.Download(y, expected.Length));
        }
    }

    [Fact]
    public void GlobalPoolsMatchElementwise()
    {
        var d = emulator.Device;
        foreach (var (n, pixels, c) in new[] { (1, 1, 1), (2, 49, 17), (3, 10, 5) })
            foreach (bool max in new[] { false, true })
            {
                float[] input = DeviceRun.Random(pixels + c, (long)n * pixels * c, 4f);
                if (max) for (int i = 0; i < input.Length; i++) input[i] = -Math.Abs(input[i]);   // all negative: the max is not 0
                var expected = new float[n * c];
                Elementwise.GlobalPool(input, n, pixels, c, max, expected);
                using var x = DeviceRun.Upload(d, input);
                using var y = d.Allocate<float>(n * c);
                Cnn.GlobalPool(x.View, y.View, n, pixels, c, max);
                Compare.AssertClose(expected, DeviceRun.Download(y, n * c), max ? 0 : 1e-6, $"global {(max ? "max" : "avg")} N={n} {pixels}x{c}");
            }
    }

    [Fact]
    public void PoolWindowsThatWouldBeEmptyAreRefused()
    {
        using var x = emulator.Device.Allocate<float>(16);
        using var s = emulator.Device.Allocate<int>(16);
        var ex = Assert.Throws<ArgumentException>(() => Cnn.MaxPool(x.View, x.View, s.View, 1, 4, 4, 1, new Window2D(2, 2, 1, 1, 2, 0, 0, 0)));
        Assert.Contains("empty windows", ex.Message);
    }
}
