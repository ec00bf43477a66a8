using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Softmax over the last axis, in place, max-subtracted so exp never overflows (as Keras does).
///
/// Launch: one group of 256 threads per row (grid x = N). Each thread walks the row with stride 256, keeping its own
/// max; ILGPU.Algorithms' <c>GroupExtensions.Reduce</c> combines the 256 partial maxima (shared memory and barriers,
/// written once in the library), then the same for the sum of exponentials.
/// Teaches: a group-wide reduction — the pattern behind every sum, max and norm on a GPU.
/// </summary>
public static class SoftmaxKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> values,   // (N, K), replaced by probabilities
        int n, int k)
    {
        int row = Grid.IdxX, t = Group.IdxX;
        int at = row * k;
        float max = float.NegativeInfinity;
        for (int i = t; i < k; i += GroupSize) max = XMath.Max(max, values[at + i]);
        max = GroupExtensions.Reduce<float, MaxFloat>(max);

        float sum = 0f;
        for (int i = t; i < k; i += GroupSize)
        {
            float e = XMath.Exp(values[at + i] - max);
            values[at + i] = e;
            sum += e;
        }
        sum = GroupExtensions.Reduce<float, AddFloat>(sum);
        float inv = 1f / sum;
        for (int i = t; i < k; i += GroupSize) values[at + i] *= inv;
    }
}
