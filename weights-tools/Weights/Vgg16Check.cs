namespace CnnEngine.Weights;

/// <summary>What a weights file holds, measured against VGG16: top present, parameter count, problems, warnings.</summary>
public sealed record Vgg16Report(bool IsVgg16, bool HasTop, long Parameters, IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings);

/// <summary>
/// VGG16's expected tensors (Keras shapes) and a check of an opened store against them. The engine's
/// Vgg16Weights.FromStore makes the same checks when it loads; this one serves inspect/convert and callers that
/// want a report instead of an exception.
/// </summary>
public static class Vgg16Check
{
    public const long NotopParameters = 14_714_688;
    public const long FullParameters = 138_357_544;

    /// <summary>(layer, kernel shape, bias length) in model order.</summary>
    public static IReadOnlyList<(string Layer, int[] KernelShape, int BiasLength)> Layers(bool includeTop)
    {
        var result = new List<(string, int[], int)>();
        int[] convs = { 2, 2, 3, 3, 3 }, widths = { 64, 128, 256, 512, 512 };
        int cin = 3;
        for (int b = 0; b < 5; b++)
            for (int i = 0; i < convs[b]; i++)
            {
                result.Add(($"block{b + 1}_conv{i + 1}", new[] { 3, 3, cin, widths[b] }, widths[b]));
                cin = widths[b];
            }
        if (includeTop)
        {
            result.Add(("fc1", new[] { 7 * 7 * 512, 4096 }, 4096));
            result.Add(("fc2", new[] { 4096, 4096 }, 4096));
            result.Add(("predictions", new[] { 4096, 1000 }, 1000));
        }
        return result;
    }

    /// <summary>Checks names and shapes (and, when <paramref name="scanValues"/>, NaN/infinity, which reads every value).</summary>
    public static Vgg16Report Check(IWeightStore store, bool scanValues)
    {
        bool hasTop = store.Contains("fc1.kernel") && store.Contains("fc2.kernel") && store.Contains("predictions.kernel");
        var problems = new List<string>();
        var warnings = new List<string>();
        long parameters = 0;
        foreach (var (layer, kernelShape, biasLength) in Layers(hasTop))
        {
            string k = layer + ".kernel", b = layer + ".bias";
            if (!store.Contains(k) || !store.Contains(b)) { problems.Add($"layer {layer} is missing"); continue; }
            int[] actual = store.GetShape(k);
            if (!actual.AsSpan().SequenceEqual(kernelShape))
                problems.Add($"layer {layer} kernel has shape {Format(actual)}, VGG16 needs {Format(kernelShape)}");
            int[] bias = store.GetShape(b);
            if (bias.Length != 1 || bias[0] != biasLength)
                problems.Add($"layer {layer} bias has shape {Format(bias)}, VGG16 needs ({biasLength},)");
        }
        foreach (string name in store.TensorNames)
        {
            parameters += store.GetShape(name).Aggregate(1L, (a, d) => a * d);
            if (!scanValues) continue;
            long bad = CountNonFinite(store.GetTensor(name).Span);
            if (bad > 0) warnings.Add($"warning: {name} holds {bad} NaN or infinite values");
        }
        return new Vgg16Report(problems.Count == 0, hasTop, parameters, problems, warnings);
    }

    /// <summary>Throws a <see cref="WeightsException"/> naming the first layer that is missing or has a wrong shape.</summary>
    public static void Validate(IWeightStore store)
    {
        var report = Check(store, scanValues: false);
        if (report.Problems.Count > 0) throw new WeightsException($"{store.SourcePath}: {report.Problems[0]}");
    }

    public static long CountNonFinite(ReadOnlySpan<float> values)
    {
        long n = 0;
        foreach (float v in values) if (!float.IsFinite(v)) n++;
        return n;
    }

    public static string Format(int[] shape) => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
}
