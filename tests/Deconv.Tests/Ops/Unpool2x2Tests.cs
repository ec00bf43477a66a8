using CnnEngine.Ops;
using System.Runtime.Intrinsics;

namespace CnnEngine.Deconv.Tests.Ops;

public class Unpool2x2Tests
{
    public static IEnumerable<object[]> Sizes()
    {
        foreach (var (h, w) in new[] { (2, 2), (3, 5), (4, 4), (7, 6), (9, 11) })
            for (int c = 1; c <= 17; c++) yield return new object[] { h, w, c };
        yield return new object[] { 14, 14, 33 };
        yield return new object[] { 6, 10, 64 };
        yield return new object[] { 131, 130, 64 }; // over 1M elements: the row-band parallel path
        yield return new object[] { 65, 257, 65 };
    }

    [Theory, MemberData(nameof(Sizes))]
    public void EveryWidthMatchesTheOracleBitForBit(int h, int w, int c)
    {
        var (pooled, switches) = TestData.Pool(h, w, c, h * 1000 + w * 100 + c);
        var expected = new float[h * w * c];
        Unpool2x2Scalar.Run(pooled, switches, h, w, c, expected);

        var garbage = () => Enumerable.Repeat(float.NaN, h * w * c).ToArray(); // must be fully overwritten
        var actual = garbage();
        Unpool2x2.Run(pooled, switches, h, w, c, actual);
        Assert.Equal(expected, actual);

        var scalar = garbage(); Unpool2x2.RunScalar(pooled, switches, h, w, c, scalar); Assert.Equal(expected, scalar);
        if (Vector256.IsHardwareAccelerated && c >= 8) { var v = garbage(); Unpool2x2.Run256(pooled, switches, h, w, c, v); Assert.Equal(expected, v); }
        if (Vector512.IsHardwareAccelerated && c >= 16) { var v = garbage(); Unpool2x2.Run512(pooled, switches, h, w, c, v); Assert.Equal(expected, v); }
    }

    [Fact]
    public void ValidateRejectsASwitchOutsideThePlaneLikeTheOracle()
    {
        var pooled = new float[] { 1 };
        var bad = new[] { 4 };
        Assert.Throws<ArgumentException>(() => Unpool2x2Scalar.Run(pooled, bad, 2, 2, 1, new float[4]));
        Assert.Throws<ArgumentException>(() => Unpool2x2.Validate(bad, 2, 2));
    }
}
