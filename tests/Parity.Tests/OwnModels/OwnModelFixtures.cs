using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// The saved Keras models of tests/fixtures/models/make_keras_models.py (h5py, Keras 2 and Keras 3 layouts) and the
/// PyTorch reference outputs of tests/reference/keras_model_reference.py, generated on first use into
/// tests/.generated/keras-models-&lt;hash of both scripts&gt;/ (renamed into place when complete).
/// </summary>
internal static class OwnModelFixtures
{
    public static string ModelsScript => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "models", "make_keras_models.py");
    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "keras_model_reference.py");

    /// <summary>One model of models.json: its file, optional config, input size, color mode and preprocessing.</summary>
    public sealed record ModelCase(string Key, string File, string? Config, string? Builtin, int[] Input, string Color, string Preprocess);

    private static readonly Lazy<string> RootLazy = new(() =>
    {
        string key = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(ModelsScript).Concat(File.ReadAllBytes(ReferenceScript)).ToArray()))[..16].ToLowerInvariant();
        string dir = Path.Combine(Paths.Generated, "keras-models-" + key);
        if (Directory.Exists(dir)) return dir;
        foreach (var stale in Directory.GetDirectories(Paths.Generated, "keras-models-*"))
            try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        string tmp = dir + $".tmp-{Guid.NewGuid():N}";
        try
        {
            Python.Run(ModelsScript, TimeSpan.FromMinutes(5), Path.Combine(tmp, "models"));
            Directory.Move(tmp, dir);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        return dir;
    });

    public static string Root => RootLazy.Value;
    public static string ModelFile(string name) => Path.Combine(Root, "models", name);

    public static IReadOnlyDictionary<string, ModelCase> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelFile("models.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => new ModelCase(p.Name,
            p.Value.GetProperty("file").GetString()!,
            p.Value.TryGetProperty("config", out var c) ? c.GetString() : null,
            p.Value.TryGetProperty("builtin", out var b) ? b.GetString() : null,
            p.Value.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.Value.GetProperty("color").GetString()!,
            p.Value.GetProperty("preprocess").GetString()!));
    }

    private static readonly ConcurrentDictionary<string, Lazy<string>> References = new();

    /// <summary>The reference folder for a model and a photo (generated on first use).</summary>
    public static string Reference(ModelCase m, string image) =>
        References.GetOrAdd(m.Key + "|" + image, _ => new Lazy<string>(() => Generate(m, image))).Value;

    private static string Generate(ModelCase m, string image)
    {
        string dir = Path.Combine(Root, $"ref-{m.Key}-{Path.GetFileNameWithoutExtension(image)}");
        if (File.Exists(Path.Combine(dir, "done"))) return dir;
        string tmp = dir + $".tmp-{Guid.NewGuid():N}";
        try
        {
            var args = new List<string> { "--model", ModelFile(m.File), "--image", Paths.SharedImage(image), "--out", tmp, "--color", m.Color, "--preprocess", m.Preprocess };
            if (m.Config is not null) args.AddRange(new[] { "--config", ModelFile(m.Config) });
            if (m.Builtin is not null) args.AddRange(new[] { "--builtin", m.Builtin, "--input-size", m.Input[0].ToString(System.Globalization.CultureInfo.InvariantCulture), m.Input[1].ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Python.Run(ReferenceScript, TimeSpan.FromMinutes(5), args.ToArray());
            File.WriteAllText(Path.Combine(tmp, "done"), "");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.Move(tmp, dir);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        return dir;
    }

    public static Npy.Array Load(string referenceDir, string name) => Npy.Read(Path.Combine(referenceDir, name + ".npy"));

    public static IReadOnlyList<(string Name, string Class)> Layers(string referenceDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(referenceDir, "layers.json")));
        return doc.RootElement.EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("class").GetString()!)).ToArray();
    }
}
