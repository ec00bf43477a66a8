using System.Text.Json;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// The own-model fixtures of <see cref="KerasModelFiles"/> (the saved Keras models and their PyTorch references) under
/// the names these tests use, plus readers for a reference folder.
/// </summary>
internal static class OwnModelFixtures
{
    public static string ModelsScript => KerasModelFiles.Script;
    public static string ReferenceScript => KerasModelFiles.ReferenceScript;

    /// <summary>The folder holding the model files, models.json and the generated references.</summary>
    public static string Root => KerasModelFiles.Dir;
    public static string ModelFile(string name) => KerasModelFiles.PathOf(name);

    public static IReadOnlyDictionary<string, KerasModelFiles.Entry> Cases() => KerasModelFiles.Entries();

    /// <summary>The reference folder for a model and a photo (generated on first use).</summary>
    public static string Reference(KerasModelFiles.Entry m, string image) => KerasModelFiles.Reference(m, image);

    public static Npy.Array Load(string referenceDir, string name) => Npy.Read(Path.Combine(referenceDir, name + ".npy"));

    public static IReadOnlyList<(string Name, string Class)> Layers(string referenceDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(referenceDir, "layers.json")));
        return doc.RootElement.EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("class").GetString()!)).ToArray();
    }
}
