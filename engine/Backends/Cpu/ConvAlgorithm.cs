using CnnEngine.Model;

namespace CnnEngine.Backends.Cpu;

/// <summary>How <see cref="CpuBackend"/> runs one 3×3 convolution layer.</summary>
public enum ConvAlgorithm
{
    /// <summary>Register-blocked direct convolution (<see cref="Ops.Conv3x3"/>); keeps a packed copy of the kernel (1×).</summary>
    Direct,
    /// <summary>Winograd F(4×4, 3×3) (<see cref="Ops.Conv3x3Winograd"/>): 4× fewer multiplies; keeps the transformed weights (4× the kernel).</summary>
    Winograd,
    /// <summary>
    /// Winograd F(4×4, 3×3) with the weights transformed per task from the Keras kernel
    /// (<see cref="Ops.PackedWinograd3x3.InPlace"/>): keeps no copy at all, pays the kernel transform on every run.
    /// </summary>
    WinogradOnTheFly,
    /// <summary>
    /// Winograd F(2×2, 3×3) with the weights transformed per task from the Keras kernel (<see cref="Ops.PackedWinograd3x3.InPlace"/>
    /// with <see cref="Ops.WinogradTile.F2x2"/>): 2.25× fewer multiplies, keeps no copy, and its transforms only add,
    /// subtract and halve, so it stays about as accurate as the direct kernel.
    /// </summary>
    Winograd2x2OnTheFly,
}

/// <summary>Which algorithms <see cref="CpuBackend"/> may use.</summary>
public enum ConvPolicy
{
    /// <summary>Per layer, by <see cref="ConvAlgorithmChoice"/>'s rule (speed measured per layer, memory counted, parity kept): bench/RESULTS.md.</summary>
    Auto,
    /// <summary>The direct kernel everywhere (the pre-Winograd engine; for comparison and tests).</summary>
    DirectOnly,
    /// <summary>
    /// Winograd with packed transformed weights wherever Cin ≥ 64 (the first Winograd engine: 4× the weight memory,
    /// 235 MB of transformed VGG16 weights; for comparison).
    /// </summary>
    PackedWinograd,
    /// <summary>
    /// Auto's packed Winograd layers, and F(4×4, 3×3) with weights transformed per task from the Keras kernel on
    /// block4_conv2…block5 (Auto runs F(2×2, 3×3) there): as little memory as Auto, but F(4×4, 3×3) over 512-channel
    /// sums on those layers moved the full-size VGG16 occlusion probabilities 2.3e-4 from PyTorch's (direct there:
    /// 3.5e-5), past the 1e-4 parity bound — kept for comparison.
    /// </summary>
    LowMemory,
}

/// <summary>The per-layer rule of <see cref="ConvPolicy.Auto"/>, and why.</summary>
public static class ConvAlgorithmChoice
{
    /// <summary>
    /// Largest packed F(4×4, 3×3) weights kept for one layer: 18.9 MB, i.e. Cin·Cout ≤ 256·512 (block1_conv2…block4_conv1:
    /// 46.6 MB in all). block4_conv2…block5 (5 × 37.7 MB packed) run F(2×2, 3×3) with their weights transformed per task
    /// from the Keras kernel instead: no copy at all, and 512-channel sums stay within parity (F(4×4, 3×3) there broke
    /// it, see <see cref="ConvPolicy.LowMemory"/>). Budget: peak RSS at batch 1 ≤ 178 MB, the pre-Winograd engine's.
    /// </summary>
    public const long MaxPackedWinogradBytes = 36L * 256 * 512 * sizeof(float);

    /// <summary>
    /// From this batch on, Auto also keeps packed F(4×4, 3×3) weights for block4_conv2 and block4_conv3 (37.7 MB each,
    /// made on the first such forward) when the weights are the conv base only (no classifier top). Memory: at batch n
    /// the fused block1 pool and the chunked first block already save more than their 75.5 MB against the pre-Winograd
    /// engine, whose peak RSS at the same batch stays the bound. Speed: F(4×4) there runs in about 0.6× F(2×2)'s time
    /// at batch 8. Parity: every conv layer stays within the bound, but with the top the softmax turned F(4×4)'s
    /// rounding on either layer into 1.04–1.11e-4 of the probabilities' max on the full-size occlusion test (8.4e-5
    /// with F(2×2)), so weights with a top keep F(2×2) there. block5 (14×14) keeps F(2×2): its 3 × 37.7 MB would not
    /// be covered, for a smaller gain.
    /// </summary>
    public const int LargeBatch = 8;

    /// <summary>The algorithm for <paramref name="layer"/> at batch 1 (what the backend is built with).</summary>
    public static ConvAlgorithm For(LayerSpec layer, ConvPolicy policy) => AtBatch1(layer, policy);

    /// <summary>The algorithm for <paramref name="layer"/> in a forward of <paramref name="batch"/> images on weights with or without the classifier top.</summary>
    public static ConvAlgorithm For(LayerSpec layer, ConvPolicy policy, int batch, bool hasTop)
    {
        if (policy == ConvPolicy.Auto && batch >= LargeBatch && !hasTop && layer.Name is "block4_conv2" or "block4_conv3") return ConvAlgorithm.Winograd;
        return AtBatch1(layer, policy);
    }

    private static ConvAlgorithm AtBatch1(LayerSpec layer, ConvPolicy policy)
    {
        if (policy == ConvPolicy.DirectOnly || layer.InChannels < 64) return ConvAlgorithm.Direct;
        if (policy == ConvPolicy.PackedWinograd) return ConvAlgorithm.Winograd;
        if (PackedBytes(layer) <= MaxPackedWinogradBytes) return ConvAlgorithm.Winograd;
        return policy == ConvPolicy.LowMemory ? ConvAlgorithm.WinogradOnTheFly : ConvAlgorithm.Winograd2x2OnTheFly;
    }

    /// <summary>Bytes of a layer's packed Winograd weights: 36 floats per (ci, co).</summary>
    public static long PackedBytes(LayerSpec layer) => 36L * layer.InChannels * layer.OutChannels * sizeof(float);

    /// <summary>One line saying why <see cref="For"/> picks what it picks for this layer under <see cref="ConvPolicy.Auto"/>.</summary>
    public static string Why(LayerSpec layer) => For(layer, ConvPolicy.Auto) switch
    {
        ConvAlgorithm.Direct when layer.InChannels < 64 => $"Cin = {layer.InChannels}: the input transform costs more than the direct reduction (9·Cin multiply-adds per output)",
        ConvAlgorithm.Winograd => $"F(4×4): 4× fewer multiplies; packed weights {PackedBytes(layer) / 1e6:F1} MB (≤ {MaxPackedWinogradBytes / 1e6:F1} MB kept per layer)",
        ConvAlgorithm.Winograd2x2OnTheFly => $"F(2×2): 2.25× fewer multiplies, weights transformed per task from the Keras kernel (F(4×4) packed would keep {PackedBytes(layer) / 1e6:F1} MB; F(4×4) per task broke the 1e-4 parity bound over {layer.InChannels}-channel sums)"
            + (For(layer, ConvPolicy.Auto, LargeBatch, hasTop: false) == ConvAlgorithm.Winograd ? $"; conv base only, from batch {LargeBatch} on: F(4×4) packed (the memory the fused block1 pool and the chunked first block save covers its {PackedBytes(layer) / 1e6:F1} MB)" : ""),
        _ => $"F(4×4): 4× fewer multiplies, weights transformed per task from the {9L * layer.InChannels * layer.OutChannels * 4 / 1e6:F1} MB Keras kernel",
    };
}
