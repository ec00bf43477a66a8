using CnnEngine.Ops;

namespace CnnEngine.Deconv;

/// <summary>
/// What the deconvnet does to the backward signal at an activation of a user's model. Zeiler &amp; Fergus pass the
/// reconstruction through a ReLU wherever the network has one; the rule here extends that to the whole rectifier family:
///   relu (any threshold / max_value, relu6), leaky_relu, elu: rectify the signal (ReLU on the backward signal);
///     their positive parts are the identity, so the rectifier is their deconvnet counterpart;
///   sigmoid, tanh, softmax, linear: the signal passes unchanged — they do not rectify, and using their derivative
///     would make the projection depend on the forward values, which the deconvnet (unlike a gradient) avoids.
/// Guided mode (Springenberg et al.) additionally keeps, at each rectifier, only where the forward output was &gt; 0.
/// </summary>
public static class DeconvActivation
{
    public static bool Rectifies(ActivationFunction f) => f.Kind is ActivationKind.Relu or ActivationKind.Elu;

    /// <param name="signal">The backward signal at the activation's output, changed in place.</param>
    /// <param name="forward">The forward output at the same place (guided only).</param>
    public static void Apply(ActivationFunction f, Span<float> signal, ReadOnlySpan<float> forward, bool guided)
    {
        if (!Rectifies(f)) return;
        if (guided) RectifyGuided.Run(signal, forward);
        else Rectify.Run(signal);
    }
}
