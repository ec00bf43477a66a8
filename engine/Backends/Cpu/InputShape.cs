using CnnEngine.Model;
using CnnEngine.Tensors;

namespace CnnEngine.Backends.Cpu;

/// <summary>The input checks every backend makes before running VGG16 (shared so the messages are the same).</summary>
public static class InputShape
{
    /// <summary>Throws <see cref="InputShapeException"/> unless <paramref name="input"/> is (N ≥ 1, H ≥ 32, W ≥ 32, 3), and 224×224 with the top.</summary>
    public static void Validate(Tensor input, bool hasTop)
    {
        ArgumentNullException.ThrowIfNull(input);
        int[] s = input.Shape;
        if (s.Length != 4 || s[3] != 3)
            throw new InputShapeException($"input has shape {ShapeMath.Format(s)}; VGG16 needs (N, H, W, 3)");
        if (s[0] < 1)
            throw new InputShapeException($"input has shape {ShapeMath.Format(s)}; the batch is empty");
        int min = Vgg16Architecture.MinInputSize, top = Vgg16Architecture.TopInputSize;
        if (s[1] < min || s[2] < min)
            throw new InputShapeException($"input is {s[2]}×{s[1]} pixels; VGG16 needs at least {min}×{min}");
        if (hasTop && (s[1] != top || s[2] != top))
            throw new InputShapeException($"input is {s[2]}×{s[1]} pixels; weights with the top (fc1, fc2, predictions) need exactly {top}×{top}");
    }
}
