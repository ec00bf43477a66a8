using System.Runtime.InteropServices;

namespace CnnEngine.Ops;

/// <summary>
/// A 3×3 convolution's weights transformed once, at load, into the Winograd F(4×4, 3×3) domain
/// (U = G g Gᵀ per (ci, co), computed in double, rounded once) and packed for <see cref="Conv3x3Winograd"/>'s
/// GEMM microkernel:
///   packed (36, Cout/32 blocks, Cin, 32), the last block zero-padded past Cout — for one transform element ξ and one
///          block, the 32 weights of one ci are two Vector512 loads, exactly as in <see cref="PackedConv3x3"/>;
///   bias   (Cout/32 blocks · 32), zero-padded.
/// 36/9 = 4× the memory of the direct kernel's weights (the price of 4× fewer multiplies).
/// 64-byte aligned native memory.
/// </summary>
public sealed unsafe class PackedWinograd3x3 : IDisposable
{
    public const int BlockWidth = PackedConv3x3.BlockWidth;
    /// <summary>Elements of a transformed 6×6 tile.</summary>
    public const int Elements = 36;

    private float* _weights; // (36, Blocks, Cin, 32)
    private float* _bias;    // (Blocks · 32)

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Blocks { get; }

    private PackedWinograd3x3(int inChannels, int outChannels)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Blocks = (outChannels + BlockWidth - 1) / BlockWidth;
        nuint weightCount = (nuint)Elements * (nuint)Blocks * (nuint)inChannels * BlockWidth;
        _weights = (float*)NativeMemory.AlignedAlloc(weightCount * sizeof(float), 64);
        _bias = (float*)NativeMemory.AlignedAlloc((nuint)Blocks * BlockWidth * sizeof(float), 64);
        NativeMemory.Clear(_weights, weightCount * sizeof(float));
        NativeMemory.Clear(_bias, (nuint)Blocks * BlockWidth * sizeof(float));
    }

    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    public static PackedWinograd3x3 Pack(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels)
    {
        Conv3x3Arguments.Check(kernel, bias, inChannels, outChannels);
        var packed = new PackedWinograd3x3(inChannels, outChannels);
        Span<float> g = stackalloc float[9], u = stackalloc float[Elements];
        for (int ci = 0; ci < inChannels; ci++)
        for (int co = 0; co < outChannels; co++)
        {
            for (int tap = 0; tap < 9; tap++) g[tap] = kernel[(tap * inChannels + ci) * outChannels + co];
            Conv3x3WinogradScalar.KernelTransform(g, u);
            int block = co / BlockWidth, lane = co % BlockWidth;
            for (int e = 0; e < Elements; e++)
                packed.ElementWeights(e, block)[ci * BlockWidth + lane] = u[e];
        }
        for (int co = 0; co < outChannels; co++) packed._bias[co] = bias[co];
        return packed;
    }

    /// <summary>Weights of transform element <paramref name="element"/> for one block, (Cin, 32).</summary>
    internal float* ElementWeights(int element, int block)
    {
        ObjectDisposedException.ThrowIf(_weights == null, this);
        return _weights + ((nint)element * Blocks + block) * InChannels * BlockWidth;
    }

    /// <summary>Floats between consecutive elements' (Cin, 32) slices of one block.</summary>
    internal nint ElementStride => (nint)Blocks * InChannels * BlockWidth;

    internal float* BlockBias(int block)
    {
        ObjectDisposedException.ThrowIf(_bias == null, this);
        return _bias + (nint)block * BlockWidth;
    }

    public void Dispose()
    {
        if (_weights != null) { NativeMemory.AlignedFree(_weights); _weights = null; }
        if (_bias != null) { NativeMemory.AlignedFree(_bias); _bias = null; }
        GC.SuppressFinalize(this);
    }

    ~PackedWinograd3x3() => Dispose();
}
