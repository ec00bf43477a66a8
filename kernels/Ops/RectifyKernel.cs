using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// The deconvnet's ReLU on the backward signal, in place: x = max(x, 0) (NaN → 0, as RectifyScalar); and its guided
/// variant (guided backprop): x kept only where x &gt; 0 and the forward activation there was &gt; 0.
///
/// Launch: a 1-D grid of 1-D groups (256), one thread per value.
/// Teaches: the simplest kernel — an element-wise map; everything about it is the bounds check on the rounded-up grid.
/// </summary>
public static class RectifyKernel
{
    public const int GroupSize = 256;

    public static void Kernel(ArrayView<float> values, int count)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= count) return;
        float v = values[g];
        values[g] = v > 0f ? v : 0f;
    }

    public static void Guided(ArrayView<float> values, ArrayView<float> forward, int count)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= count) return;
        float v = values[g];
        values[g] = v > 0f && forward[g] > 0f ? v : 0f;
    }
}
