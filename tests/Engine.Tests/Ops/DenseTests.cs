using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops;

/// <summary>Every Dense variant against DenseScalar, sizes not multiple of the vector width. Tolerance: 1e-5 of max |reference|.</summary>
public class DenseTests
{
    private const double Tolerance = 1e-5;
    public enum Variant { Driver, Vector512, Vector256 }

    [Theory]
    [InlineData(Variant.Driver)]
    [InlineData(Variant.Vector512)]
    [InlineData(Variant.Vector256)]
    public void AwkwardSizes(Variant variant)
    {
        int seed = 0;
        foreach (int batch in new[] { 1, 2, 3, 8, 9, 17 })
        foreach (int inFeatures in new[] { 1, 2, 7, 33, 100 })
        foreach (int outFeatures in new[] { 1, 5, 8, 15, 16, 17, 31, 32, 33, 47, 100 })
        {
            seed++;
            float[] x = TestData.Uniform(batch * inFeatures, seed);                 // (N, Cin)
            float[] weights = TestData.Uniform(inFeatures * outFeatures, seed + 1); // (Cin, Cout)
            float[] bias = TestData.Uniform(outFeatures, seed + 2);                 // (Cout)
            bool relu = seed % 2 == 0;
            var expected = new float[batch * outFeatures];                          // (N, Cout)
            DenseScalar.Run(x, batch, inFeatures, weights, bias, outFeatures, expected, relu);
            var actual = new float[batch * outFeatures];
            Array.Fill(actual, float.NaN);
            switch (variant)
            {
                case Variant.Driver: Dense.Run(x, batch, inFeatures, weights, bias, outFeatures, actual, relu, threads: 2); break;
                case Variant.Vector512: DenseVector512.Run(x, batch, inFeatures, weights, bias, outFeatures, actual, relu); break;
                case Variant.Vector256: DenseVector256.Run(x, batch, inFeatures, weights, bias, outFeatures, actual, relu); break;
            }
            Compare.AssertClose(expected, actual, Tolerance, $"{variant} dense N={batch} Cin={inFeatures} Cout={outFeatures} relu={relu}");
        }
    }

    [Theory]
    [InlineData(1, 2100, 77, 2)]
    [InlineData(5, 1030, 64, 3)]
    [InlineData(9, 777, 1000, 0)]
    public void DriverSplitsRowsIntoBands(int batch, int inFeatures, int outFeatures, int threads)
    {
        // Cin ≥ 512 makes the driver cut W into several row bands and reduce their partial sums.
        float[] x = TestData.Uniform(batch * inFeatures, 1), weights = TestData.Uniform(inFeatures * outFeatures, 2), bias = TestData.Uniform(outFeatures, 3);
        var expected = new float[batch * outFeatures]; var actual = new float[batch * outFeatures];
        DenseScalar.Run(x, batch, inFeatures, weights, bias, outFeatures, expected, relu: true);
        Dense.Run(x, batch, inFeatures, weights, bias, outFeatures, actual, relu: true, threads);
        Compare.AssertClose(expected, actual, Tolerance, $"dense bands N={batch} Cin={inFeatures} Cout={outFeatures}");
    }

    [Fact]
    public void ReadsWeightsInPlaceFromAnyMemory()
    {
        // Weights may be a slice of a larger (memory-mapped) buffer: only the (Cin, Cout) window is read.
        int cin = 9, cout = 37;
        float[] big = TestData.Uniform(5 + cin * cout + 5, 3);
        ReadOnlyMemory<float> weights = big.AsMemory(5, cin * cout);
        float[] x = TestData.Uniform(cin, 4), bias = TestData.Uniform(cout, 5);
        var expected = new float[cout]; var actual = new float[cout];
        DenseScalar.Run(x, 1, cin, weights.Span, bias, cout, expected, relu: false);
        Dense.Run(x, 1, cin, weights.Span, bias, cout, actual, relu: false);
        Compare.AssertClose(expected, actual, Tolerance, "dense on a slice");
    }
}
