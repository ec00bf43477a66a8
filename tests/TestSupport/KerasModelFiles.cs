using System.Globalization;
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
    /// The independent PyTorch run of tests/reference/keras_model_reference.py for a model and one of
    /// ../shared/images: input.npy as fed, every layer's &lt;name&gt;.npy, every max pool's &lt;name&gt;_switches.npy, layers.json.
    /// Generated on first use beside the model files (the folder name holds the reference script's hash).
    /// </summary>
    public static string Reference(Entry m, string image) =>
        References.GetOrAdd(m.Key + "|" + image, _ => new Lazy<string>(() =>
            Generate(ReferenceScript, $"ref-{ScriptHash(ReferenceScript)}-{m.Key}-{Path.GetFileNameWithoutExtension(image)}",
                tmp => ReferenceArgs(m, image, tmp)))).Value;

    /// <summary>The arguments every reference script takes for a model and a photo: --model, --image, --out, color, preprocessing, config, builtin.</summary>
    public static List<string> ReferenceArgs(Entry m, string image, string outDir)
    {
        var args = new List<string> { "--model", PathOf(m.File), "--image", Paths.SharedImage(image), "--out", outDir, "--color", m.Color, "--preprocess", m.Preprocess };
        if (m.Config is not null) args.AddRange(new[] { "--config", PathOf(m.Config) });
        if (m.Builtin is not null)
            args.AddRange(new[] { "--builtin", m.Builtin, "--input-size", m.Input[0].ToString(CultureInfo.InvariantCulture), m.Input[1].ToString(CultureInfo.InvariantCulture) });
        return args;
    }

    /// <summary>First 12 hex digits of a script's SHA-256: reference folders are named by it, so an edited script regenerates them.</summary>
    public static string ScriptHash(string script) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(script)))[..12].ToLowerInvariant();

    /// <summary>
    /// Runs <paramref name="script"/> once into <see cref="Dir"/>/<paramref name="folder"/> (through a temp folder, marked
    /// done, then renamed into place); later calls find it done and return it.
    /// </summary>
    public static string Generate(string script, string folder, Func<string, IEnumerable<string>> args)
    {
        string dir = Path.Combine(Dir, folder);
        if (File.Exists(Path.Combine(dir, "done"))) return dir;
        string tmp = dir + $".tmp-{Guid.NewGuid():N}";
        try
        {
            Python.Run(script, TimeSpan.FromMinutes(5), args(tmp).ToArray());
            File.WriteAllText(Path.Combine(tmp, "done"), "");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.Move(tmp, dir);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        return dir;
    }
}
