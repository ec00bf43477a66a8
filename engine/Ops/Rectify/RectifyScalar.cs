namespace CnnEngine.Ops;

/// <summary>Reference rectification: x = max(x, 0) in place (the deconvnet's ReLU on the backward signal).</summary>
public static class RectifyScalar
{
    public static void Run(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!(values[i] > 0)) values[i] = 0;
    }
}
