using System.Buffers;
using System.Runtime.InteropServices;

namespace CnnEngine.Ops;

/// <summary>
/// A 3×3 convolution's weights transformed once, at load, into the Winograd F(4×4, 3×3) domain — or F(2×2, 3×3),
/// <see cref="Tile"/> — (U = G g Gᵀ per (ci, co), computed in double, rounded once) and packed for <see cref="Conv3x3Winograd"/>'s
/// GEMM microkernel:
///   packed (E, Cout/32 blocks, Cin, 32), E = 36 (F4x4) or 16 (F2x2), the last block zero-padded past Cout — for one transform element ξ and one
///          block, the 32 weights of one ci are two Vector512 loads, exactly as in <see cref="PackedConv3x3"/>;
///   bias   (Cout/32 blocks · 32), zero-padded.
/// 36/9 = 4× the memory of the direct kernel's weights (the price of 4× fewer multiplies); 16/9 for F(2×2, 3×3).
/// 64-byte aligned native memory.
///
/// Or, made by <see cref="InPlace"/>, no transformed copy at all: the caller's Keras-layout kernel is pinned and
/// <see cref="Conv3x3Winograd"/> transforms a (64 ci × 32 co) chunk of it into the task's scratch just before the
/// GEMM uses it (<see cref="WinogradTransforms.Kernel"/>) — 0 extra bytes per layer instead of 36·Cin·Cout floats,
/// for ~50 vector operations per (ci, 16 co) against the GEMM's 36 FMAs per tile. For VGG16's block4/block5 the packed
/// form would hold 188 MB (block4_conv2…block5; block4_conv1 keeps its 18.9 MB pack); at batch 1 those layers have 16–49 tiles, and a layer then reads 9 MB of Keras weights
/// instead of 36 MB of transformed ones (what that trade costs or saves: bench/RESULTS.md).
/// </summary>
public sealed unsafe class PackedWinograd3x3 : IDisposable
{
    public const int BlockWidth = PackedConv3x3.BlockWidth;
    private float* _weights; // (Elements, Blocks, Cin, 32); null when in place
    private float* _bias;    // (Blocks · 32)
    private float* _source;  // (3, 3, Cin, Cout), the caller's Keras kernel, pinned; null when packed
    private MemoryHandle _pin;

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Blocks { get; }
    /// <summary>The Winograd algorithm: F(4×4, 3×3) or F(2×2, 3×3).</summary>
    public WinogradTile Tile { get; }
    /// <summary>Elements of a transformed tile: 36 for F(4×4, 3×3), 16 for F(2×2, 3×3).</summary>
    public int Elements => Tile == WinogradTile.F2x2 ? WinogradF2x2.Elements : WinogradF4x4.Elements;
    private WinogradMatrices Matrices => Tile == WinogradTile.F2x2 ? WinogradMatrices.F2x2 : WinogradMatrices.F4x4;

    /// <summary>True when the weights are transformed per task from the caller's kernel (<see cref="InPlace"/>).</summary>
    public bool TransformsOnTheFly => _source != null;

    /// <summary>Bytes this object holds besides the caller's arrays.</summary>
    public long OwnBytes => ((_weights != null ? (long)Elements * Blocks * InChannels * BlockWidth : 0) + (long)Blocks * BlockWidth) * sizeof(float);

    private PackedWinograd3x3(int inChannels, int outChannels, bool allocateWeights, WinogradTile tile)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Tile = tile;
        Blocks = (outChannels + BlockWidth - 1) / BlockWidth;
        if (allocateWeights)
        {
            nuint weightCount = (nuint)Elements * (nuint)Blocks * (nuint)inChannels * BlockWidth;
            _weights = (float*)NativeMemory.AlignedAlloc(weightCount * sizeof(float), 64);
            NativeMemory.Clear(_weights, weightCount * sizeof(float));
        }
        _bias = (float*)NativeMemory.AlignedAlloc((nuint)Blocks * BlockWidth * sizeof(float), 64);
        NativeMemory.Clear(_bias, (nuint)Blocks * BlockWidth * sizeof(float));
    }

    /// <summary>
    /// Keeps no transformed copy: pins <paramref name="kernel"/> (which must stay valid and unchanged until this
    /// object is disposed — the CPU backend's weights do) and transforms it chunk by chunk during each run.
    /// </summary>
    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout), copied.</param>
    public static PackedWinograd3x3 InPlace(ReadOnlyMemory<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels,
        WinogradTile tile = WinogradTile.F4x4)
    {
        Conv3x3Arguments.Check(kernel.Span, bias, inChannels, outChannels);
        var packed = new PackedWinograd3x3(inChannels, outChannels, allocateWeights: false, tile);
        packed._pin = kernel.Pin();
        packed._source = (float*)packed._pin.Pointer;
        for (int co = 0; co < outChannels; co++) packed._bias[co] = bias[co];
        return packed;
    }

    /// <param name="kernel">(3, 3, Cin, Cout), Keras layout.</param>
    /// <param name="bias">(Cout).</param>
    public static PackedWinograd3x3 Pack(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inChannels, int outChannels,
        WinogradTile tile = WinogradTile.F4x4)
    {
        Conv3x3Arguments.Check(kernel, bias, inChannels, outChannels);
        var packed = new PackedWinograd3x3(inChannels, outChannels, allocateWeights: true, tile);
        int elements = packed.Elements;
        Span<float> g = stackalloc float[9], u = stackalloc float[elements];
        for (int ci = 0; ci < inChannels; ci++)
        for (int co = 0; co < outChannels; co++)
        {
            for (int tap = 0; tap < 9; tap++) g[tap] = kernel[(tap * inChannels + ci) * outChannels + co];
            Conv3x3WinogradScalar.KernelTransform(packed.Matrices, g, u);
            int block = co / BlockWidth, lane = co % BlockWidth;
            for (int e = 0; e < elements; e++)
                packed.ElementWeights(e, block)[ci * BlockWidth + lane] = u[e];
        }
        for (int co = 0; co < outChannels; co++) packed._bias[co] = bias[co];
        return packed;
    }

    /// <summary>Weights of transform element <paramref name="element"/> for one block, (Cin, 32).</summary>
    internal float* ElementWeights(int element, int block)
    {
        ObjectDisposedException.ThrowIf(_bias == null, this);
        if (_weights == null) throw new InvalidOperationException("winograd: weights are transformed on the fly (InPlace), there is no packed copy");
        return _weights + ((nint)element * Blocks + block) * InChannels * BlockWidth;
    }

    /// <summary>The caller's pinned Keras kernel (3, 3, Cin, Cout) of an <see cref="InPlace"/> object.</summary>
    internal float* KernelSource
    {
        get
        {
            ObjectDisposedException.ThrowIf(_bias == null, this);
            return _source != null ? _source : throw new InvalidOperationException("winograd: packed weights have no kernel source");
        }
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
        if (_source != null) { _source = null; _pin.Dispose(); }
        GC.SuppressFinalize(this);
    }

    ~PackedWinograd3x3() => Dispose();
}
