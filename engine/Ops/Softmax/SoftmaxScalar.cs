namespace CnnEngine.Ops;

/// <summary>Reference softmax over the last axis, max-subtracted for stability (as Keras/TF do).</summary>
public static class SoftmaxScalar
{
    /// <param name="values">(N, K), replaced in place by probabilities.</param>
    public static void Run(Span<float> values, int batch, int classes)
    {
        for (int n = 0; n < batch; n++)
        {
            var row = values.Slice(n * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            double sum = 0;
            for (int k = 0; k < classes; k++) { row[k] = MathF.Exp(row[k] - max); sum += row[k]; }
            float inv = (float)(1.0 / sum);
            for (int k = 0; k < classes; k++) row[k] *= inv;
        }
    }
}
