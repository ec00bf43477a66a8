using CnnEngine.Backends.Cpu;
using CnnEngine.Model.Cnn;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Model;

/// <summary>The input check every CNN backend makes (one message for all).</summary>
public static class CnnInputShape
{
    public static void Validate(Tensor input, CnnModel model)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = input.Shape;
        var want = model.Input;
        if (s.Length != 4 || s[0] < 1 || s[1] != want.Height || s[2] != want.Width || s[3] != want.Channels)
            throw new InputShapeException($"input has shape {ShapeMath.Format(s)}; {model.Name} needs (N, {want.Height}, {want.Width}, {want.Channels})");
        long largest = model.Layers.Max(l => l.Output.Elements) * s[0];
        if (largest > Array.MaxLength)
            throw new InputShapeException($"batch of {s[0]} is too large: one layer's activations would need {largest * 4.0 / (1 << 30):F1} GiB");
    }
}
