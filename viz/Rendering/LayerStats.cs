using CnnEngine.Tensors;

namespace CnnEngine.Viz.Rendering;

/// <summary>Summary numbers of one layer's activation over all channels: the report's table row.</summary>
public sealed record LayerStats(float Min, double Mean, float Max, double ZeroPercent)
{
    public static LayerStats Of(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return new LayerStats(0, 0, 0, 0);
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double sum = 0;
        long zeros = 0;
        foreach (float v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
            if (v == 0f) zeros++;
        }
        return new LayerStats(min, sum / values.Length, max, 100.0 * zeros / values.Length);
    }

    public static LayerStats Of(Tensor t) => Of(t.Data);
}
