using CnnEngine.Tensors;

namespace CnnEngine.Deconv;

/// <summary>One projection: the pixels (1, H, W, 3) in the network's input space (BGR, as fed), and what was sent down.</summary>
/// <param name="Pixels">(1, H, W, 3) float32.</param>
/// <param name="Y">Row of the kept activation at the layer's output (-1 in map mode).</param>
/// <param name="X">Column of the kept activation (-1 in map mode).</param>
/// <param name="Value">The kept activation (the map's sum in map mode).</param>
public sealed record Projection(string Layer, int Channel, ProjectionMode Mode, Tensor Pixels, int Y, int X, float Value);
