using System.Text.Json;

namespace CnnEngine.Model;

/// <summary>
/// The 1000 ImageNet classes in the order of Keras's imagenet_class_index.json (shipped inside the engine, byte-identical
/// to the file Keras downloads: md5 c2c37ea517e94d9795004a39431a14cb).
/// </summary>
public static class ImageNetClasses
{
    public sealed record ClassInfo(int Index, string WordNetId, string Label);
    public sealed record Prediction(int Index, string WordNetId, string Label, float Probability);

    private static readonly Lazy<ClassInfo[]> All = new(Load);

    public static IReadOnlyList<ClassInfo> Classes => All.Value;

    public static ClassInfo Get(int index) => All.Value[index];

    /// <summary>The k most probable classes of one row of probabilities, highest first (ties: lower index first).</summary>
    public static IReadOnlyList<Prediction> TopK(ReadOnlySpan<float> probabilities, int k = 5)
    {
        if (probabilities.Length != Vgg16Architecture.ClassCount)
            throw new ArgumentException($"expected {Vgg16Architecture.ClassCount} probabilities, got {probabilities.Length}");
        var order = new int[probabilities.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var probs = probabilities.ToArray();
        Array.Sort(order, (a, b) => probs[b] != probs[a] ? probs[b].CompareTo(probs[a]) : a.CompareTo(b));
        return order.Take(k).Select(i => new Prediction(i, All.Value[i].WordNetId, All.Value[i].Label, probs[i])).ToArray();
    }

    private static ClassInfo[] Load()
    {
        using var stream = typeof(ImageNetClasses).Assembly.GetManifestResourceStream("imagenet_class_index.json")
            ?? throw new InvalidOperationException("imagenet_class_index.json is not embedded in the engine");
        using var doc = JsonDocument.Parse(stream);
        var classes = new ClassInfo[Vgg16Architecture.ClassCount];
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            int index = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            classes[index] = new ClassInfo(index, entry.Value[0].GetString()!, entry.Value[1].GetString()!);
        }
        return classes;
    }
}
