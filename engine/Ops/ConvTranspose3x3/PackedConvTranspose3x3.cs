using System.Runtime.Intrinsics;

namespace CnnEngine.Ops;

/// <summary>
/// A forward layer's 3×3 filters repacked once for <see cref="ConvTranspose3x3"/>.
///
/// Why a forward convolution computes the transposed one: the transpose of a 'same', stride-1 3×3 convolution is
///   out[y, x, ci] = Σ_co Σ_ky Σ_kx in[y - ky + 1, x - kx + 1, co] · K[ky, kx, ci, co].
/// Substituting ky' = 2 - ky, kx' = 2 - kx gives in[y + ky' - 1, x + kx' - 1, co] · K[2 - ky', 2 - kx', ci, co],
/// which is exactly a 'same' forward convolution (zero padding 1 reads the same zeros the transpose skips) with the
/// kernel K'[ky', kx', co, ci] = K[2 - ky', 2 - kx', ci, co]: flipped in space, input/output channel axes swapped,
/// zero bias and no ReLU. So the repacked kernel below is that flipped, channel-swapped kernel.
///
/// Two packings of that same kernel are kept: the deconvnet's own (below), which can skip zero regions and channels,
/// and — for dense signals — the CPU engine's register-blocked <see cref="PackedConv3x3"/> (zero bias, run with
/// relu = false), which is faster on a whole plane.
///
/// Layout: blocks of <see cref="Lanes"/> output channels (output = the forward layer's input channels, padded with
/// zero filters to a whole block): (Blocks, 3, 3, InChannels, Lanes), where InChannels = the forward layer's Cout.
/// </summary>
public sealed class PackedConvTranspose3x3 : IDisposable
{
    /// <summary>The transposed op's input channels (the forward layer's output channels).</summary>
    public int InChannels { get; }
    /// <summary>The transposed op's output channels (the forward layer's input channels).</summary>
    public int OutChannels { get; }
    /// <summary>SIMD lanes per block: 16 (Vector512), 8 (Vector256) or 1 (scalar).</summary>
    public int Lanes { get; }
    public int Blocks { get; }
    /// <summary>(Blocks, 3, 3, InChannels, Lanes).</summary>
    public float[] Weights { get; }

    /// <summary>The same flipped, channel-swapped kernel for the forward conv driver; null when not packed.</summary>
    public PackedConv3x3? Forward { get; private set; }

    /// <summary>
    /// For 3 output channels (block1_conv1's transpose) the same kernel for <see cref="ConvTranspose3x3ToFewChannels"/>:
    /// (3 output channels, 3 ky, 3 kx, InChannels), so one output's weights for one ky are 3·InChannels contiguous
    /// values, in the order of three neighbouring padded input pixels. Null for other channel counts.
    /// </summary>
    public float[]? FewChannels { get; private init; }

    private PackedConvTranspose3x3(int inChannels, int outChannels, int lanes, float[] weights, PackedConv3x3? forward)
    {
        InChannels = inChannels; OutChannels = outChannels; Lanes = lanes;
        Blocks = (outChannels + lanes - 1) / lanes; Weights = weights; Forward = forward;
    }

    public void Dispose()
    {
        Forward?.Dispose();
        Forward = null;
    }

    /// <summary>Lanes the widest accelerated vector gives, for a transposed op with that many output channels.</summary>
    public static int PreferredLanes(int outChannels)
    {
        if (Vector512.IsHardwareAccelerated && outChannels > Vector256<float>.Count) return Vector512<float>.Count;
        if (Vector256.IsHardwareAccelerated && outChannels > 1) return Vector256<float>.Count;
        return 1;
    }

    /// <param name="forwardKernel">(3, 3, Cin, Cout), the forward layer's Keras-layout kernel.</param>
    /// <param name="forwardInChannels">Cin of the forward layer (the transposed op's output channels).</param>
    /// <param name="forwardOutChannels">Cout of the forward layer (the transposed op's input channels).</param>
    /// <param name="lanes">0 picks <see cref="PreferredLanes"/>; tests force 16, 8 or 1.</param>
    /// <param name="useForwardConv">Also pack for the forward conv driver (used for dense signals when vectors are accelerated).</param>
    public static PackedConvTranspose3x3 Pack(ReadOnlySpan<float> forwardKernel, int forwardInChannels, int forwardOutChannels, int lanes = 0,
        bool useForwardConv = true)
    {
        int cin = forwardInChannels, cout = forwardOutChannels;
        if (cin <= 0 || cout <= 0) throw new ArgumentException($"conv-transpose3x3: channel counts must be positive ({cin}, {cout})");
        if (forwardKernel.Length != 9L * cin * cout) throw new ArgumentException("conv-transpose3x3: kernel is not (3, 3, Cin, Cout)");
        if (lanes == 0) lanes = PreferredLanes(cin);
        if (lanes is not (1 or 8 or 16)) throw new ArgumentException($"conv-transpose3x3: lanes must be 1, 8 or 16, not {lanes}");
        int blocks = (cin + lanes - 1) / lanes;
        var packed = new float[(long)blocks * 9 * cout * lanes];
        for (int b = 0; b < blocks; b++)
        for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++)
        for (int co = 0; co < cout; co++)
        for (int j = 0; j < lanes; j++)
        {
            int ci = b * lanes + j;
            if (ci >= cin) continue; // zero filter: padding to a whole block
            // K'[ky, kx, co, ci] = K[2 - ky, 2 - kx, ci, co]
            float w = forwardKernel[((((2 - ky) * 3) + (2 - kx)) * cin + ci) * cout + co];
            packed[((((long)b * 3 + ky) * 3 + kx) * cout + co) * lanes + j] = w;
        }
        PackedConv3x3? forward = null;
        if (useForwardConv && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var flipped = new float[forwardKernel.Length]; // K'[ky, kx, co, ci] = K[2 - ky, 2 - kx, ci, co]: (3, 3, Cout, Cin)
            for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) for (int co = 0; co < cout; co++) for (int ci = 0; ci < cin; ci++)
                flipped[((ky * 3 + kx) * cout + co) * cin + ci] = forwardKernel[(((2 - ky) * 3 + (2 - kx)) * cin + ci) * cout + co];
            forward = PackedConv3x3.Pack(flipped, new float[cin], cout, cin);
        }
        float[]? few = null;
        if (cin == ConvTranspose3x3ToFewChannels.Channels)
        {
            few = new float[cin * 9 * cout]; // (3, 3, 3, Cout): K'[ky, kx, co, ci] = K[2 - ky, 2 - kx, ci, co] at [ci, ky, kx, co]
            for (int ci = 0; ci < cin; ci++) for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) for (int co = 0; co < cout; co++)
                few[((ci * 3 + ky) * 3 + kx) * cout + co] = forwardKernel[(((2 - ky) * 3 + (2 - kx)) * cin + ci) * cout + co];
        }
        return new PackedConvTranspose3x3(cout, cin, lanes, packed, forward) { FewChannels = few };
    }
}
