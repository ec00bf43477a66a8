namespace CnnEngine.Model;

/// <summary>
/// VGG16 exactly as keras.applications.VGG16 builds it: 13 conv 3×3 'same' + ReLU, 5 max pools,
/// flatten (channels-last order), fc1 and fc2 (4096, ReLU), predictions (1000, softmax).
/// </summary>
public static class Vgg16Architecture
{
    /// <summary>Input side the top (fc1) requires: 224×224.</summary>
    public const int TopInputSize = 224;
    /// <summary>Smallest input side without the top: five 2× pools must leave at least 1×1.</summary>
    public const int MinInputSize = 32;
    public const int ClassCount = 1000;
    public const int FlattenedFeatures = 7 * 7 * 512;

    /// <summary>The 18 layers of the convolutional base (notop).</summary>
    public static IReadOnlyList<LayerSpec> ConvBase { get; } = BuildConvBase();

    /// <summary>The three dense layers of the top.</summary>
    public static IReadOnlyList<LayerSpec> Top { get; } = new[]
    {
        new LayerSpec("fc1", LayerKind.Dense, FlattenedFeatures, 4096, Activation.Relu),
        new LayerSpec("fc2", LayerKind.Dense, 4096, 4096, Activation.Relu),
        new LayerSpec("predictions", LayerKind.Dense, 4096, ClassCount, Activation.Softmax),
    };

    public static IReadOnlyList<LayerSpec> Layers(bool includeTop) =>
        includeTop ? ConvBase.Concat(Top).ToArray() : ConvBase;

    public static LayerSpec? Find(string name) =>
        ConvBase.Concat(Top).FirstOrDefault(l => l.Name == name);

    /// <summary>FLOPs of the conv stack for one image of side h×w (2 per multiply-add).</summary>
    public static double ConvStackFlops(int height, int width)
    {
        double flops = 0;
        int h = height, w = width;
        foreach (var layer in ConvBase)
        {
            if (layer.IsConv) flops += 2.0 * h * w * 9 * layer.InChannels * layer.OutChannels;
            else { h /= 2; w /= 2; }
        }
        return flops;
    }

    private static LayerSpec[] BuildConvBase()
    {
        var layers = new List<LayerSpec>();
        int[] convsPerBlock = { 2, 2, 3, 3, 3 };
        int[] widths = { 64, 128, 256, 512, 512 };
        int inChannels = 3;
        for (int block = 0; block < 5; block++)
        {
            for (int i = 0; i < convsPerBlock[block]; i++)
            {
                layers.Add(new LayerSpec($"block{block + 1}_conv{i + 1}", LayerKind.Conv3x3Relu, inChannels, widths[block], Activation.Relu));
                inChannels = widths[block];
            }
            layers.Add(new LayerSpec($"block{block + 1}_pool", LayerKind.MaxPool2x2, inChannels, inChannels, Activation.None));
        }
        return layers.ToArray();
    }
}
