using CnnEngine.Ops;
using System.Runtime.Intrinsics;

namespace CnnEngine.Deconv.Tests.Ops;

public class RectifyTests
{
    public static IEnumerable<object[]> Lengths() =>
        new[] { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 47, 100, 1023 }.Select(n => new object[] { n });

    private static float[] WithSpecials(int n, int seed)
    {
        var a = TestData.Normal(n, seed);
        if (n > 3) { a[0] = float.NaN; a[1] = -0f; a[2] = float.NegativeInfinity; a[3] = float.PositiveInfinity; }
        return a;
    }

    [Theory, MemberData(nameof(Lengths))]
    public void EveryWidthMatchesTheOracleBitForBit(int n)
    {
        var expected = WithSpecials(n, n);
        RectifyScalar.Run(expected);

        var viaDriver = WithSpecials(n, n);
        Rectify.Run(viaDriver);
        Assert.Equal(expected, viaDriver);

        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var v = WithSpecials(n, n); Rectify.Run256(v); Assert.Equal(expected, v);
        }
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var v = WithSpecials(n, n); Rectify.Run512(v); Assert.Equal(expected, v);
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void GuidedMatchesTheOracle(int n)
    {
        var forward = TestData.Normal(n, 1000 + n);
        var expected = WithSpecials(n, n);
        RectifyGuidedScalar.Run(expected, forward);
        var viaDriver = WithSpecials(n, n);
        RectifyGuided.Run(viaDriver, forward);
        Assert.Equal(expected, viaDriver);
        if (Vector256.IsHardwareAccelerated && n >= 8) { var v = WithSpecials(n, n); RectifyGuided.Run256(v, forward); Assert.Equal(expected, v); }
        if (Vector512.IsHardwareAccelerated && n >= 16) { var v = WithSpecials(n, n); RectifyGuided.Run512(v, forward); Assert.Equal(expected, v); }
    }

    [Fact]
    public void GuidedOracleKeepsOnlyPositiveSignalWhereTheForwardReluWasOpen()
    {
        var signal = new float[] { 1, 2, -3, 4 };
        RectifyGuidedScalar.Run(signal, new float[] { 1, 0, 5, -1 });
        Assert.Equal(new float[] { 1, 0, 0, 0 }, signal);
    }
}
