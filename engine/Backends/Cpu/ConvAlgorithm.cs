using CnnEngine.Model;

namespace CnnEngine.Backends.Cpu;

/// <summary>How <see cref="CpuBackend"/> runs one 3×3 convolution layer.</summary>
public enum ConvAlgorithm
{
    /// <summary>Register-blocked direct convolution (<see cref="Ops.Conv3x3"/>).</summary>
    Direct,
    /// <summary>Winograd F(4×4, 3×3) (<see cref="Ops.Conv3x3Winograd"/>): 4× fewer multiplies, 4× the weight memory.</summary>
    Winograd,
}

/// <summary>Which algorithms <see cref="CpuBackend"/> may use.</summary>
public enum ConvPolicy
{
    /// <summary>Per layer, the one measured faster here (bench/RESULTS.md, per-layer table).</summary>
    Auto,
    /// <summary>The direct kernel everywhere (the pre-Winograd engine; for comparison and tests).</summary>
    DirectOnly,
}

internal static class ConvAlgorithmChoice
{
    /// <summary>
    /// Winograd wherever Cin ≥ 64 (every layer but block1_conv1): there the 4× fewer multiplies outweigh the transforms
    /// (measured per layer, bench/RESULTS.md). With Cin = 3 the input transform costs more than the whole direct
    /// reduction (27 multiply-adds per output), so block1_conv1 stays direct.
    /// </summary>
    public static ConvAlgorithm For(LayerSpec layer, ConvPolicy policy) =>
        policy == ConvPolicy.Auto && layer.InChannels >= 64 ? ConvAlgorithm.Winograd : ConvAlgorithm.Direct;
}
