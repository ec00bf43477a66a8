using System.Runtime.InteropServices;

namespace CnnEngine.Ops;

/// <summary>
/// A 3×3 convolution's weights repacked once, at load, for the register-blocked direct convolution
/// (<see cref="Conv3x3"/>). Keras keeps the kernel as (3, 3, Cin, Cout); the microkernel wants, for one block of
/// <see cref="BlockWidth"/> output channels, the 32 weights of one (ky, kx, ci) next to each other so that two
/// Vector512 loads (or four Vector256 loads) fetch them:
///   packed (Cout/32 blocks, 3, 3, Cin, 32), the last block zero-padded past Cout;
///   bias   (Cout/32 blocks · 32), zero-padded.
/// Padding the weights (not the loops) is what lets every Cout, 1..∞, run through the same vector code.
/// The buffers are 64-byte aligned native memory (one Vector512 load never splits a cache line).
/// </summary>
public sealed unsafe class PackedConv3x3 : IDisposable
{
    /// <summary>Output channels per packed block: two Vector512 or four Vector256 accumulators per pixel.</summary>
    public const int BlockWidth = 32;

    private float* _weights; // (Blocks, 3, 3, Cin, 32)
    private float* _bias;    // (Blocks · 32)

    public int InChannels { get; }
    public int OutChannels { get; }
    /// <summary>Number of 32-wide output-channel blocks: ceil(Cout / 32).</summary>
    public int Blocks { get; }

    private PackedConv3x3(int inChannels, int outChannels)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Blocks = (outChannels + BlockWidth - 1) / BlockWidth;
        nuint weightCount = (nuint)Blocks * 9 * (nuint)inChannels * BlockWidth;
        _weights = (float*)NativeMemory.AlignedAlloc(weightCount * sizeof(float), 64);
        _bias = (float*)NativeMemory.AlignedAlloc((nuint)Blocks * BlockWidth * sizeof(float), 64);
        NativeMemory.Clear(_weights, weightCount * sizeof(float));
        NativeMemory.Clear(_bias, (nuint)Blocks * BlockWidth * sizeof(float));
    }

    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    public static PackedConv3x3 Pack(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels)
    {
        Conv3x3Arguments.Check(kernel, bias, inChannels, outChannels);
        var packed = new PackedConv3x3(inChannels, outChannels);
        for (int tap = 0; tap < 9; tap++)               // tap = ky * 3 + kx
        for (int ci = 0; ci < inChannels; ci++)
        {
            ReadOnlySpan<float> row = kernel.Slice((tap * inChannels + ci) * outChannels, outChannels); // (Cout)
            for (int co = 0; co < outChannels; co++)
                packed.BlockWeights(co / BlockWidth)[(tap * inChannels + ci) * BlockWidth + co % BlockWidth] = row[co];
        }
        for (int co = 0; co < outChannels; co++) packed._bias[co] = bias[co];
        return packed;
    }

    /// <summary>One block's weights, (3, 3, Cin, 32).</summary>
    internal float* BlockWeights(int block)
    {
        ObjectDisposedException.ThrowIf(_weights == null, this);
        return _weights + (nint)block * 9 * InChannels * BlockWidth;
    }

    /// <summary>One block's bias, (32).</summary>
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

    ~PackedConv3x3() => Dispose();
}
