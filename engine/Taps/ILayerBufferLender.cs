using CnnEngine.Model;

namespace CnnEngine.Taps;

/// <summary>
/// A tap that lends the arrays its wanted layers are delivered in, so a long stream of forwards (a dataset scan)
/// writes every batch into memory that is already mapped. A fresh array costs a page fault per 4 KB page on first
/// write: measured 15 µs a page on the benchmark VM, about 20 ms for batch 8's block4_conv3 (12.8 MB).
///
/// A backend that honours it asks just before writing a wanted layer, overwrites every element of the lent array
/// and hands that same array back through <see cref="ILayerTap.OnActivation"/>. Backends may ignore it (the GPU
/// backends do) and deliver fresh tensors as usual, so a lender must accept either.
/// </summary>
public interface ILayerBufferLender : ILayerTap
{
    /// <summary>An array of exactly <paramref name="floats"/> floats for <paramref name="layer"/>'s (N, H, W, C) output; its contents are overwritten.</summary>
    float[] Lend(LayerSpec layer, int floats);
}
