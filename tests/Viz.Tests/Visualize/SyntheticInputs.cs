using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Visualize;

/// <summary>Activations of the right VGG16 shapes with ReLU-like patterns (no forward pass needed) and a test picture.</summary>
public static class SyntheticInputs
{
    public static Dictionary<string, Tensor> Activations(int height, int width)
    {
        var result = new Dictionary<string, Tensor>();
        int h = height, w = width;
        foreach (var layer in Vgg16Architecture.ConvBase)
        {
            if (layer.IsPool) { h /= 2; w /= 2; }
            int c = layer.OutChannels;
            var t = new Tensor(1, h, w, c);
            float f = 0.9f / (1 + layer.Name.Length % 3);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++)
                    {
                        float v = MathF.Sin(x * f * (k % 5 + 1) + y * 0.3f + k) * (k % 7) + (x == w / 3 && y == h / 2 && k == 5 ? 50 : 0);
                        t.Data[(y * w + x) * c + k] = k % 11 == 3 ? 0 : MathF.Max(0, v); // every 11th channel dead
                    }
            result[layer.Name] = t;
        }
        return result;
    }

    public static InputPicture Picture(int height, int width)
    {
        var rgb = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = (y * width + x) * 3;
                rgb[p] = (byte)(x * 255 / width); rgb[p + 1] = (byte)(y * 255 / height); rgb[p + 2] = (byte)((x ^ y) & 0xFF);
            }
        return new InputPicture(width, height, rgb);
    }

    public static VisualizeInputs Make(int side, bool random = false, IReadOnlyList<ClassScore>? top5 = null,
        IReadOnlyList<string>? npy = null, IReadOnlyList<CnnEngine.Viz.Report.ReportSection>? sections = null) =>
        Make(side, side, random, top5, npy, sections);

    public static VisualizeInputs Make(int height, int width, bool random = false, IReadOnlyList<ClassScore>? top5 = null,
        IReadOnlyList<string>? npy = null, IReadOnlyList<CnnEngine.Viz.Report.ReportSection>? sections = null) =>
        new("/photos/test picture.jpg", Picture(height, width), Activations(height, width), null, top5,
            random ? "seeded random (seed 42)" : "test weights", random, "cpu", npy, sections);
}
