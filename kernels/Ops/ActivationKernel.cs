using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// An element-wise activation in place — relu (with Keras's negative_slope, max_value, threshold: ReLU, LeakyReLU,
/// relu6), elu, sigmoid, tanh, linear — for Activation layers and for Dense layers whose activation is not fused.
/// Softmax is a reduction over the last axis, not element-wise: <see cref="SoftmaxKernel"/>.
/// Launch: a 1-D grid of 1-D groups (256), one thread per value.
/// Teaches: one kernel for many functions — the choice travels as a small struct argument and every thread takes the
/// same branch, so the branch costs nothing (no divergence inside a warp).
/// </summary>
public static class ActivationKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> values,    // any shape, replaced by act(values)
        int count,
        ActivationSpec activation)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= count) return;
        values[g] = ActivationSpec.Apply(values[g], activation);
    }
}
