using CnnEngine.Tensors;

namespace CnnEngine.Model.Cnn;

/// <summary>
/// The shape of one image's activations between layers: (H, W, C) for feature maps, or a flat (C) vector after
/// Flatten, a global pool or Dense. A batch adds N in front: (N, H, W, C) or (N, C), exactly as Keras returns them.
/// </summary>
public readonly record struct FeatureShape(int Height, int Width, int Channels, bool Flat)
{
    public static FeatureShape Map(int h, int w, int c) => new(h, w, c, false);
    public static FeatureShape Vector(int c) => new(1, 1, c, true);

    public long Elements => (long)Height * Width * Channels;

    public int[] TensorShape(int batch) => Flat ? new[] { batch, Channels } : new[] { batch, Height, Width, Channels };

    public override string ToString() => Flat ? $"({Channels},)" : $"({Height}, {Width}, {Channels})";

    public static FeatureShape Of(Tensor t) => t.Rank == 2 ? Vector(t.Shape[1]) : Map(t.Shape[1], t.Shape[2], t.Shape[3]);
}
