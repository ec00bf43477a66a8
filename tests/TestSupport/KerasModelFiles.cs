using System.Security.Cryptography;
using System.Text.Json;

namespace CnnEngine.TestSupport;

/// <summary>
/// The saved Keras models of tests/fixtures/models/make_keras_models.py (h5py writes them in Keras 2 / Keras 3 file
/// layouts; about a second), generated on first use into tests/.generated/keras-model-files-&lt;script hash&gt;/ (renamed
/// into place when complete) — for tests that need the model files without the PyTorch references.
/// </summary>
public static class KerasModelFiles
{
    public static string Script => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "models", "make_keras_models.py");

    /// <summary>One model of models.json: its file, optional config (a .weights.h5 file's), the builtin name (vgg19) and input (h, w, c).</summary>
    public sealed record Entry(string Key, string File, string? Config, string? Builtin, int[] Input);

    private static readonly Lazy<string> DirLazy = new(() =>
    {
        string key = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Script)))[..16].ToLowerInvariant();
        string dir = Path.Combine(Paths.Generated, "keras-model-files-" + key);
        if (Directory.Exists(dir)) return dir;
        string tmp = dir + $".tmp-{Guid.NewGuid():N}";
        try
        {
            Python.Run(Script, TimeSpan.FromMinutes(5), tmp);
            try { Directory.Move(tmp, dir); }
            catch (IOException) when (Directory.Exists(dir)) { }   // another test process made it first
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        return dir;
    });

    /// <summary>The folder holding the model files and models.json (generated on first use).</summary>
    public static string Dir => DirLazy.Value;

    public static string PathOf(string file) => Path.Combine(Dir, file);

    public static IReadOnlyDictionary<string, Entry> Entries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("models.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => new Entry(p.Name,
            p.Value.GetProperty("file").GetString()!,
            p.Value.TryGetProperty("config", out var c) ? c.GetString() : null,
            p.Value.TryGetProperty("builtin", out var b) ? b.GetString() : null,
            p.Value.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).ToArray()));
    }
}
