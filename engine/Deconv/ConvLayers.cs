using CnnEngine.Model;

namespace CnnEngine.Deconv;

/// <summary>Which layers a projection can start from, and the layer sizes below it for a given input.</summary>
public static class ConvLayers
{
    /// <summary>The conv base layer named <paramref name="name"/>; a clear error for dense or unknown names.</summary>
    public static LayerSpec Find(string name)
    {
        var layer = Vgg16Architecture.ConvBase.FirstOrDefault(l => l.Name == name);
        if (layer is not null) return layer;
        if (Vgg16Architecture.Top.Any(l => l.Name == name))
            throw new DeconvException($"layer {name} is fully connected: deconvnet projections start from a conv or pool layer (block1_conv1 … block5_pool)");
        throw new DeconvException($"unknown layer '{name}' (expected one of {string.Join(", ", Vgg16Architecture.ConvBase.Select(l => l.Name))})");
    }

    public static int IndexOf(string name) => Vgg16Architecture.ConvBase.ToList().IndexOf(Find(name));

    /// <summary>The layers from block1_conv1 up to and including <paramref name="name"/>.</summary>
    public static IReadOnlyList<LayerSpec> UpTo(string name) => Vgg16Architecture.ConvBase.Take(IndexOf(name) + 1).ToArray();

    /// <summary>(H, W) at the output of every conv-base layer for an input of height × width; pools floor like Keras.</summary>
    public static (int Height, int Width)[] OutputSizes(int height, int width)
    {
        var sizes = new (int, int)[Vgg16Architecture.ConvBase.Count];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (Vgg16Architecture.ConvBase[i].IsPool) { height /= 2; width /= 2; }
            sizes[i] = (height, width);
        }
        return sizes;
    }

    /// <summary>
    /// The input pixels [Y0, Y1) × [X0, X1) that can influence the outputs [y0, y1) × [x0, x1) of <paramref name="name"/>:
    /// each 3×3 conv widens by one pixel per side, each 2×2 pool doubles; clipped to the image.
    /// </summary>
    public static (int Y0, int Y1, int X0, int X1) ReceptiveField(string name, int y0, int y1, int x0, int x1, int height, int width)
    {
        for (int i = IndexOf(name); i >= 0; i--)
        {
            if (Vgg16Architecture.ConvBase[i].IsPool) { y0 *= 2; y1 *= 2; x0 *= 2; x1 *= 2; }
            else { y0 -= 1; y1 += 1; x0 -= 1; x1 += 1; }
        }
        return (Math.Max(0, y0), Math.Min(height, y1), Math.Max(0, x0), Math.Min(width, x1));
    }
}
