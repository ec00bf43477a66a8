using ILGPU;
using ILGPU.Algorithms;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// GlobalAveragePooling2D / GlobalMaxPooling2D: (N, H, W, C) → (N, C), the mean or max over all H·W pixels per channel.
/// Launch: a 1-D grid of 1-D groups (256), one thread per output (n, c), c fastest; each thread walks the H·W pixels.
/// Teaches: the simplest reduction — a loop per thread. Consecutive threads read consecutive channels of the same pixel,
/// so every step of the loop is one coalesced read. (With few channels and big maps a group-wide reduction as in
/// <see cref="SoftmaxKernel"/> would use more threads; at the end of a small CNN the map is tiny and this is enough.)
/// </summary>
public static class GlobalPoolKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,     // (N, H·W, C)
        ArrayView<float> output,    // (N, C)
        int n, int pixels, int channels, int max)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= n * channels) return;
        int c = g % channels, image = g / channels;
        int at = image * pixels * channels + c;
        float acc = max != 0 ? float.NegativeInfinity : 0f;
        for (int p = 0; p < pixels; p++)
        {
            float v = input[at + p * channels];
            acc = max != 0 ? XMath.Max(acc, v) : acc + v;
        }
        output[g] = max != 0 ? acc : acc / pixels;
    }
}
