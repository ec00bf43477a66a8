using ILGPU;

namespace CnnEngine.Kernels.Ops;

/// <summary>
/// Fully connected layer: out[n, o] = act(bias[o] + Σ_i in[n, i] · w[i, o]), weights in Keras layout (Cin, Cout).
///
/// Launch: a 1-D grid of 1-D groups (256), one thread per output (n, o), o fastest: in the inner loop the threads of
/// a group read one row of w, Cout-contiguous — coalesced — and all read the same in[n, i] (a broadcast).
/// Teaches: at batch 1 a dense layer is a matrix–vector product: every weight is used once, so its speed is the
/// memory bandwidth (fc1 streams 25088 × 4096 × 4 bytes = 411 MB per image); no tiling beats that, only a batch.
/// </summary>
public static class DenseKernel
{
    public const int GroupSize = 256;

    public static void Kernel(
        ArrayView<float> input,    // (N, Cin)
        ArrayView<float> weights,  // (Cin, Cout)
        ArrayView<float> bias,     // (Cout)
        ArrayView<float> output,   // (N, Cout)
        int n, int cin, int cout, int relu)
    {
        int g = Grid.GlobalIndex.X;
        if (g >= n * cout) return;
        int o = g % cout, row = g / cout;
        float sum = bias[o];
        int x = row * cin;
        for (int i = 0; i < cin; i++) sum += input[x + i] * weights[i * cout + o];
        output[g] = Channels8.Activate(sum, relu);
    }
}
