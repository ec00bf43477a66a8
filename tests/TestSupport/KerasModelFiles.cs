using System.Security.Cryptography;
using System.Text.Json;

namespace CnnEngine.TestSupport;

/// <summary>
/// The saved Keras models of tests/fixtures/models/make_keras_models.py (h5py writes them in Keras 2 / Keras 3 file
/// layouts; about a second), generated on first use into tests/.generated/keras-model-files-&lt;script hash&gt;/ (renamed
/// into place when complete), and on request the PyTorch reference run of a model on a photo.
/// </summary>
public static class KerasModelFiles
{
    public static string Script => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "models", "make_keras_models.py");

    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "keras_model_reference.py");

    /// <summary>
    /// One model of models.json: its file, optional config (a .weights.h5 file's), the builtin name (vgg19), input
    /// (h, w, c), color mode (rgb | grayscale) and preprocessing (none | vgg | scale255).
    /// </summary>
    public sealed record Entry(string Key, string File, string? Config, string? Builtin, int[] Input, string Color, string Preprocess);

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
            p.Value.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.Value.GetProperty("color").GetString()!,
            p.Value.GetProperty("preprocess").GetString()!));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> References = new();

    /// <summary>
    /// The independent PyTorch run of tests/reference/keras_model_reference.py for a model (not a builtin) and one of
    /// ../shared/images: input.npy as fed, every layer's &lt;name&gt;.npy, every max pool's &lt;name&gt;_switches.npy, layers.json.
    /// Generated on first use beside the model files (the folder name holds the reference script's hash).
    /// </summary>
    public static string Reference(Entry m, string image) =>
        References.GetOrAdd(m.Key + "|" + image, _ => new Lazy<string>(() =>
        {
            string key = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(ReferenceScript)))[..12].ToLowerInvariant();
            string dir = Path.Combine(Dir, $"ref-{key}-{m.Key}-{Path.GetFileNameWithoutExtension(image)}");
            if (File.Exists(Path.Combine(dir, "done"))) return dir;
            string tmp = dir + $".tmp-{Guid.NewGuid():N}";
            try
            {
                var args = new List<string> { "--model", PathOf(m.File), "--image", Paths.SharedImage(image), "--out", tmp, "--color", m.Color, "--preprocess", m.Preprocess };
                if (m.Config is not null) args.AddRange(new[] { "--config", PathOf(m.Config) });
                Python.Run(ReferenceScript, TimeSpan.FromMinutes(5), args.ToArray());
                File.WriteAllText(Path.Combine(tmp, "done"), "");
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.Move(tmp, dir);
            }
            finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
            return dir;
        })).Value;
}
