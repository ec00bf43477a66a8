using System.Runtime.InteropServices;

namespace CnnEngine.Ops;

/// <summary>
/// A convolution's (or dense layer's) weights seen as the GEMM right-hand side B (K, Cout) with K = KH·KW·Cin — which
/// is exactly Keras's kernel (KH, KW, Cin, Cout) read row-major — repacked once into column panels of
/// <see cref="PanelWidth"/>: (Panels, K, 32), the last panel zero-padded past Cout, so that the microkernel streams
/// one panel contiguously and every Cout runs through the same vector code. 64-byte aligned native memory.
/// </summary>
public sealed unsafe class PackedGemmWeights : IDisposable
{
    public const int PanelWidth = 32;

    private float* _panels; // (Panels, K, 32)
    private float* _bias;   // (Panels · 32)

    public int Depth { get; }
    public int OutChannels { get; }
    public int Panels { get; }

    private PackedGemmWeights(int depth, int outChannels)
    {
        Depth = depth; OutChannels = outChannels;
        Panels = (outChannels + PanelWidth - 1) / PanelWidth;
        nuint count = (nuint)Panels * (nuint)depth * PanelWidth;
        _panels = (float*)NativeMemory.AlignedAlloc(count * sizeof(float), 64);
        _bias = (float*)NativeMemory.AlignedAlloc((nuint)Panels * PanelWidth * sizeof(float), 64);
        NativeMemory.Clear(_panels, count * sizeof(float));
        NativeMemory.Clear(_bias, (nuint)Panels * PanelWidth * sizeof(float));
    }

    /// <param name="kernel">(K, Cout) row-major: a Keras conv kernel (KH, KW, Cin, Cout) or dense kernel (Cin, Cout).</param>
    /// <param name="bias">(Cout), or empty for none.</param>
    public static PackedGemmWeights Pack(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int depth, int outChannels)
    {
        if (depth < 1 || outChannels < 1) throw new ArgumentException($"GEMM weights {depth}×{outChannels} must be positive");
        if (kernel.Length != (long)depth * outChannels) throw new ArgumentException($"kernel has {kernel.Length} values, ({depth}, {outChannels}) needs {(long)depth * outChannels}");
        if (bias.Length != 0 && bias.Length != outChannels) throw new ArgumentException($"bias has {bias.Length} values, needs {outChannels}");
        var packed = new PackedGemmWeights(depth, outChannels);
        for (int k = 0; k < depth; k++)
        for (int co = 0; co < outChannels; co++)
            packed._panels[((nint)(co / PanelWidth) * depth + k) * PanelWidth + co % PanelWidth] = kernel[k * outChannels + co];
        for (int co = 0; co < bias.Length; co++) packed._bias[co] = bias[co];
        return packed;
    }

    internal float* Panel(int panel) => _panels + (nint)panel * Depth * PanelWidth;
    internal float* PanelBias(int panel) => _bias + (nint)panel * PanelWidth;

    public void Dispose()
    {
        if (_panels is not null) NativeMemory.AlignedFree(_panels);
        if (_bias is not null) NativeMemory.AlignedFree(_bias);
        _panels = null;
        _bias = null;
    }
}
