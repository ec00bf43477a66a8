using System.Security.Cryptography;
using System.Text.Json;
using CnnEngine.TestSupport;

namespace CnnEngine.Weights.Tests;

/// <summary>
/// Full-size VGG16 files written by tests/fixtures/weights/make_vgg16_h5.py (h5py) into tests/.generated, with the
/// per-tensor sha256 of what h5py reads back — the reference every full-size test compares against.
/// Files are reused across runs when the script has not changed (the script's hash is part of the name).
/// </summary>
internal static class GeneratedVgg16
{
    private static readonly object Lock = new();

    public static string Script => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", "make_vgg16_h5.py");

    public sealed record Reference(string Path, Dictionary<string, TensorReference> Tensors);
    public sealed record TensorReference(string DatasetPath, int[] Shape, string Dtype, string Sha256);

    public static Reference Make(string layout, bool notop, params string[] extra)
    {
        lock (Lock)
        {
            string scriptHash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Script)))[..12].ToLowerInvariant();
            string tag = $"{layout}{(notop ? "-notop" : "")}{string.Concat(extra.Select(e => e.Replace("--", "-")))}-{scriptHash}";
            string ext = layout == "keras3" ? ".weights.h5" : ".h5";
            string h5 = Path.Combine(Paths.Generated, $"weights-vgg16-{tag}{ext}");
            string json = Path.Combine(Paths.Generated, $"weights-vgg16-{tag}.sha256.json");
            // Files made by an older version of the script are stale: remove them (they are 59–553 MB each).
            foreach (string stale in Directory.GetFiles(Paths.Generated, "weights-vgg16-*").Where(f => !f.Contains(scriptHash, StringComparison.Ordinal)))
                File.Delete(stale);
            if (!File.Exists(h5) || !File.Exists(json))
            {
                var args = new List<string> { h5, "--layout", layout, "--checksums", json };
                if (notop) args.Add("--notop");
                args.AddRange(extra);
                Python.Run(Script, TimeSpan.FromMinutes(10), args.ToArray());
            }
            return new Reference(h5, ReadChecksums(json));
        }
    }

    public static Dictionary<string, TensorReference> ReadChecksums(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var result = new Dictionary<string, TensorReference>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            result[p.Name] = new TensorReference(
                p.Value.GetProperty("path").GetString()!,
                p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("sha256").GetString()!);
        }
        return result;
    }

    public static string Sha256Of(ReadOnlySpan<float> values) =>
        Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values))).ToLowerInvariant();
}
