using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Deconv.Tests.Ops;

/// <summary>
/// The general transposed conv: the fast gather (<see cref="ConvTranspose2dGeneral"/>) against the scatter oracle on
/// awkward shapes (odd sizes, channels 1..17, every Cout SIMD remainder, strides that do not divide, asymmetric 'same'
/// padding, kernels larger than the stride and smaller), and the oracle against the forward conv's oracle by the
/// adjoint identity ⟨conv(x), g⟩ = ⟨x, convᵀ(g)⟩ (which only the true transpose satisfies for random x and g).
/// </summary>
public class ConvTranspose2dGeneralTests
{
    public static IEnumerable<object[]> Shapes()
    {
        // (H, W, Cin, Cout, KH, KW, SH, SW, same)
        yield return new object[] { 1, 1, 1, 1, 1, 1, 1, 1, false };
        yield return new object[] { 7, 5, 3, 2, 2, 2, 1, 1, false };
        yield return new object[] { 13, 11, 1, 17, 5, 5, 2, 2, false };
        yield return new object[] { 9, 14, 5, 9, 4, 4, 2, 2, true };   // 'same' with padding 1 before, 2 after
        yield return new object[] { 10, 9, 6, 16, 5, 3, 2, 3, true };
        yield return new object[] { 8, 8, 17, 33, 3, 3, 1, 1, true };
        yield return new object[] { 12, 7, 2, 5, 1, 3, 3, 1, false };  // stride larger than the kernel: pixels nobody reads
        for (int cout = 1; cout <= 17; cout++) yield return new object[] { 6, 5, cout % 4 + 1, cout, 3, 2, 2, 1, cout % 2 == 0 };
    }

    [Theory, MemberData(nameof(Shapes))]
    public void FastMatchesTheOracle(int h, int w, int cin, int cout, int kh, int kw, int sh, int sw, bool same)
    {
        var window = Window2D.For(h, w, kh, kw, sh, sw, same);
        int oh = window.OutHeight(h), ow = window.OutWidth(w);
        var dense = TestData.Normal(oh * ow * cout, 3 + h * w + cout);    // (OH, OW, Cout)
        // Sparse too: two of three output pixels all-zero (the fast path skips them), the others with some zero channels.
        var sparse = dense.Select((v, i) => (i / cout) % 3 != 1 || i % 4 == 0 ? 0f : v).ToArray();
        var kernel = TestData.Normal(kh * kw * cin * cout, 5 + cin);       // (KH, KW, Cin, Cout)
        foreach (var signal in new[] { dense, sparse })
        foreach (int threads in new[] { 1, 2 })
        {
            var expected = new float[h * w * cin];                         // (H, W, Cin)
            ConvTranspose2dGeneralScalar.Run(signal, h, w, cin, window, kernel, cout, expected);
            var actual = Enumerable.Repeat(float.NaN, h * w * cin).ToArray();
            ConvTranspose2dGeneral.Run(signal, h, w, cin, window, kernel, cout, actual, threads);
            Compare.AssertClose(expected, actual, 1e-5, $"{h}×{w}×{cin}→{cout} {window} threads {threads}");
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void OracleIsTheAdjointOfTheForwardConv(int h, int w, int cin, int cout, int kh, int kw, int sh, int sw, bool same)
    {
        var window = Window2D.For(h, w, kh, kw, sh, sw, same);
        int oh = window.OutHeight(h), ow = window.OutWidth(w);
        var x = TestData.Normal(h * w * cin, 7 + h);
        var g = TestData.Normal(oh * ow * cout, 11 + w);
        var kernel = TestData.Normal(kh * kw * cin * cout, 13 + cout);
        var y = new float[oh * ow * cout];
        Conv2dGeneralScalar.Run(x, h, w, cin, window, kernel, Array.Empty<float>(), cout, y);
        var back = new float[h * w * cin];
        ConvTranspose2dGeneralScalar.Run(g, h, w, cin, window, kernel, cout, back);
        double left = y.Zip(g, (a, b) => (double)a * b).Sum(), right = x.Zip(back, (a, b) => (double)a * b).Sum();
        double scale = y.Zip(g, (a, b) => Math.Abs((double)a * b)).Sum() + 1e-30;
        Assert.True(Math.Abs(left - right) <= 1e-5 * scale, $"⟨conv x, g⟩ = {left}, ⟨x, convᵀ g⟩ = {right}");
    }

    [Fact]
    public void WrongLengthsAreRejected()
    {
        var window = Window2D.For(5, 5, 3, 3, 2, 2, false);
        Assert.Throws<ArgumentException>(() => ConvTranspose2dGeneral.Run(new float[3], 5, 5, 1, window, new float[9], 1, new float[25]));
        Assert.Throws<ArgumentException>(() => ConvTranspose2dGeneral.Run(new float[4], 5, 5, 1, window, new float[8], 1, new float[25]));
        Assert.Throws<ArgumentException>(() => ConvTranspose2dGeneralScalar.Run(new float[4], 5, 5, 1, window, new float[9], 1, new float[24]));
    }
}
