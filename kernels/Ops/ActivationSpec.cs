using CnnEngine.Ops;
using ILGPU.Algorithms;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// A Keras activation as a kernel argument (<see cref="ActivationFunction"/> without the enum, which a kernel would
/// have to box): Kind 0 linear, 1 relu(negative_slope = Alpha, max_value, threshold), 2 elu(Alpha), 3 sigmoid, 4 tanh.
/// Softmax is not element-wise: it runs as its own kernel (<see cref="SoftmaxKernel"/>) after a linear one.
/// </summary>
public readonly struct ActivationSpec(int kind, float alpha, float maxValue, float threshold)
{
    public const int Linear = 0, Relu = 1, Elu = 2, Sigmoid = 3, Tanh = 4;

    public readonly int Kind = kind;
    public readonly float Alpha = alpha, MaxValue = maxValue, Threshold = threshold;

    /// <summary>The element-wise part of <paramref name="f"/>: softmax becomes linear (the caller runs softmax after).</summary>
    public static ActivationSpec Of(ActivationFunction f) => f.Kind switch
    {
        ActivationKind.Linear or ActivationKind.Softmax => new(Linear, 0f, float.PositiveInfinity, 0f),
        ActivationKind.Relu => new(Relu, f.Alpha, f.MaxValue, f.Threshold),
        ActivationKind.Elu => new(Elu, f.Alpha, float.PositiveInfinity, 0f),
        ActivationKind.Sigmoid => new(Sigmoid, 0f, float.PositiveInfinity, 0f),
        ActivationKind.Tanh => new(Tanh, 0f, float.PositiveInfinity, 0f),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "unknown activation"),
    };

    /// <summary>The activation of one value, Keras's formulas (the same as engine/Ops/Elementwise).</summary>
    public static float Apply(float x, ActivationSpec a)
    {
        if (a.Kind == Relu) return x >= a.MaxValue ? a.MaxValue : x >= a.Threshold ? x : a.Alpha * (x - a.Threshold);
        if (a.Kind == Elu) return x > 0f ? x : a.Alpha * (XMath.Exp(x) - 1f);
        if (a.Kind == Sigmoid) return 1f / (1f + XMath.Exp(-x));
        if (a.Kind == Tanh) return XMath.Tanh(x);
        return x;
    }
}
