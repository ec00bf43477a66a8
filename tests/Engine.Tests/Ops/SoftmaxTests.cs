using CnnEngine.Ops;
using CnnEngine.TestSupport;

namespace CnnEngine.Tests.Ops;

/// <summary>Softmax against SoftmaxScalar. Tolerance: 1e-6 of max |reference|; rows must also sum to 1 within 1e-5.</summary>
public class SoftmaxTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(3, 17)]
    [InlineData(2, 1000)]
    [InlineData(8, 1001)]
    public void MatchesOracle(int batch, int classes)
    {
        float[] logits = TestData.Uniform(batch * classes, classes);
        for (int i = 0; i < logits.Length; i++) logits[i] *= 30; // large spread: max-subtraction matters
        float[] expected = (float[])logits.Clone(), actual = (float[])logits.Clone();
        SoftmaxScalar.Run(expected, batch, classes);
        Softmax.Run(actual, batch, classes);
        Compare.AssertClose(expected, actual, 1e-6, $"softmax {batch}x{classes}");
        for (int n = 0; n < batch; n++)
        {
            double sum = 0;
            for (int k = 0; k < classes; k++) sum += actual[n * classes + k];
            Assert.InRange(sum, 1 - 1e-5, 1 + 1e-5);
        }
    }
}
