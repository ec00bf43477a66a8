namespace CnnEngine.Ops;

/// <summary>Reference fully connected layer: y = x·W + b, optional ReLU. W in Keras layout (Cin, Cout).</summary>
public static class DenseScalar
{
    /// <param name="input">(N, Cin).</param>
    /// <param name="weights">(Cin, Cout).</param>
    /// <param name="bias">(Cout).</param>
    /// <param name="output">(N, Cout).</param>
    public static void Run(ReadOnlySpan<float> input, int batch, int inFeatures, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, int outFeatures, Span<float> output, bool relu)
    {
        if (weights.Length != (long)inFeatures * outFeatures) throw new ArgumentException("dense: weights are not (Cin, Cout)");
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < outFeatures; o++)
        {
            float sum = bias[o];
            for (int i = 0; i < inFeatures; i++) sum += input[n * inFeatures + i] * weights[i * outFeatures + o];
            output[n * outFeatures + o] = relu && sum < 0 ? 0 : sum;
        }
    }
}
