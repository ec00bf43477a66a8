namespace CnnEngine.Ops;

public enum ActivationKind { Linear, Relu, Elu, Sigmoid, Tanh, Softmax }

/// <summary>
/// An activation as Keras defines it. Relu is Keras's general relu(x, negative_slope, max_value, threshold):
/// max_value when x ≥ max_value, x when threshold ≤ x &lt; max_value, negative_slope·(x − threshold) otherwise
/// (ReLU, LeakyReLU, relu6 are all this). Elu: x when x &gt; 0, alpha·(exp(x) − 1) otherwise. Softmax runs over the last axis.
/// </summary>
public readonly record struct ActivationFunction(ActivationKind Kind, float Alpha = 0f, float MaxValue = float.PositiveInfinity, float Threshold = 0f)
{
    public static ActivationFunction Linear => new(ActivationKind.Linear);
    public static ActivationFunction Relu => new(ActivationKind.Relu);

    public bool IsLinear => Kind == ActivationKind.Linear;
    /// <summary>Plain max(x, 0): what the VGG16 3×3 kernel fuses.</summary>
    public bool IsPlainRelu => Kind == ActivationKind.Relu && Alpha == 0f && float.IsPositiveInfinity(MaxValue) && Threshold == 0f;

    public override string ToString() => Kind switch
    {
        ActivationKind.Relu when IsPlainRelu => "relu",
        ActivationKind.Relu => $"relu(negative_slope={Alpha}, max_value={MaxValue}, threshold={Threshold})",
        ActivationKind.Elu => $"elu(alpha={Alpha})",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
