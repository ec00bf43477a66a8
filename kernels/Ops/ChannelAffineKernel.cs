using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// y = x·scale[c] + shift[c] over channels-last data: a BatchNormalization that could not be folded into a conv or dense
/// (scale = γ/√(var + ε), shift = β − mean·scale), or a Rescaling layer (its one value repeated per channel by the host).
/// Launch: a 1-D grid of 1-D groups (256), one thread per value; c = g mod C.
/// Teaches: channels last makes a per-channel op a modulo — the C scale values are read over and over by every pixel,
/// and they stay in cache.
/// </summary>
public static class ChannelAffineKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (…, C)
        ArrayView<float> output,    // (…, C)
        ArrayView<float> scale,     // (C)
        ArrayView<float> shift,     // (C)
        int count, int channels)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= count) return;
        int c = g % channels;
        output[g] = input[g] * scale[c] + shift[c];
    }
}
