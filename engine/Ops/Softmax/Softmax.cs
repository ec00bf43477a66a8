using System.Numerics.Tensors;

namespace CnnEngine.Ops;

/// <summary>
/// Softmax over the last axis, max-subtracted (as Keras/TF do). 1000 values per image: the vector bodies of
/// System.Numerics.Tensors (Vector512/256 chosen by the library) are all it needs; the sum is kept in double
/// like the oracle so a thousand small terms lose nothing.
/// </summary>
public static class Softmax
{
    /// <param name="values">(N, K), replaced in place by probabilities.</param>
    public static void Run(Span<float> values, int batch, int classes)
    {
        if (batch <= 0 || classes <= 0) throw new ArgumentException($"softmax: sizes must be positive (N={batch}, K={classes})");
        if (values.Length < (long)batch * classes) throw new ArgumentException("softmax: values shorter than (N, K)");
        for (int n = 0; n < batch; n++)
        {
            Span<float> row = values.Slice(n * classes, classes); // (K)
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            double sum = 0;
            foreach (float v in row) sum += v;
            TensorPrimitives.Multiply(row, (float)(1.0 / sum), row);
        }
    }
}
