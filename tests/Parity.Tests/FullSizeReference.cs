using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CnnEngine.TestSupport;

namespace CnnEngine.Parity.Tests;

/// <summary>
/// Full-size reference data, generated once and cached in tests/.generated/parity-&lt;hash&gt;/ (the hash covers the
/// three Python scripts and the case list, so editing any of them regenerates):
///   weights.h5 — a seeded full-size VGG16 WITH the top (tests/fixtures/weights/make_vgg16_h5.py, Keras 2 layout,
///                seed 16), whose predictions layer is then divided by 64 (tests/reference/soften_top.py: exact, a
///                power of two) so the softmax is not saturated and "top-5 identical" compares real numbers;
///   ref-&lt;image&gt;-&lt;resize&gt;/ — tests/reference/vgg16_reference.py's output for that photo (every layer, switches,
///                top5.json, meta.json with the fp32-vs-fp64 noise), or only input.npy for image-path-only cases.
/// Every folder is written under a temporary name and renamed, so an interrupted run never leaves half a cache.
/// </summary>
internal static class FullSizeReference
{
    public const int WeightsSeed = 16;

    /// <param name="Notop">Run with the notop Keras 3 weights (<see cref="NotopWeights"/>) instead of the top ones.</param>
    public sealed record Case(string Image, string Resize, bool WithNetwork, bool Notop = false)
    {
        public string Name => $"{Path.GetFileNameWithoutExtension(Image)}-{Resize}{(WithNetwork ? "" : "-input")}{(Notop ? "-notop" : "")}";
        public override string ToString() => Name;
    }

    /// <summary>Photos run through the whole network: a 224×224 JPEG, a 224×224 RGBA PNG, a 500×348 JPEG resized bilinearly.</summary>
    public static readonly Case[] NetworkCases =
    {
        new("tfkerasvis_bear.jpg", "nearest", true),
        new("ozbulak_snake.png", "nearest", true),
        new("kerasvis_ouzel1.jpg", "bilinear", true),
    };

    /// <summary>Without the top, at the photo's own 500×348 size: odd sizes deep down (43×62 → 21×31 → 10×15).</summary>
    public static readonly Case NativeNotopCase = new("kerasvis_ouzel1.jpg", "native", true, Notop: true);

    /// <summary>Photos whose preprocessed input only is compared (the C# image path); "native" = --size native.</summary>
    public static readonly Case[] InputCases =
    {
        new("tfkerasvis_bear.jpg", "nearest", false),
        new("ozbulak_snake.png", "nearest", false),
        new("ozbulak_cat_dog.png", "nearest", false),
        new("kerasvis_ouzel1.jpg", "nearest", false),
        new("kerasvis_ouzel1.jpg", "bilinear", false),
        new("kerasvis_ouzel2.jpg", "bilinear", false),
        new("tfkerasvis_goldfish.jpg", "bilinear", false),
        new("kerasvis_ouzel1.jpg", "native", false),
        new("ozbulak_spider.png", "native", false),
    };

    public static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "vgg16_reference.py");
    public static string SoftenScript => Path.Combine(Paths.RepoRoot, "tests", "reference", "soften_top.py");
    public static string WeightsScript => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", "make_vgg16_h5.py");

    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var sb = new StringBuilder($"seed={WeightsSeed};layout=keras2;soften=1/64;");
        foreach (var script in new[] { ReferenceScript, SoftenScript, WeightsScript })
            sb.Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(script))));
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
        string dir = Path.Combine(Paths.Generated, "parity-vgg16-" + key);
        if (!Directory.Exists(dir))
        {
            // A script changed: earlier caches (~0.7 GB each) are stale; remove them rather than pile them up.
            foreach (var stale in Directory.GetDirectories(Paths.Generated, "parity-vgg16-*"))
                try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Directory.CreateDirectory(dir);
        }
        return dir;
    });

    public static string Root => RootLazy.Value;

    private static readonly Lazy<string> WeightsLazy = new(() =>
    {
        string path = Path.Combine(Root, "weights.h5");
        if (File.Exists(path)) return path;
        string tmp = path + $".tmp-{Guid.NewGuid():N}.h5";
        try
        {
            Python.Run(WeightsScript, TimeSpan.FromMinutes(10), tmp, "--layout", "keras2", "--seed", WeightsSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Python.Run(SoftenScript, TimeSpan.FromMinutes(5), tmp, "--scale", "0.015625");
            File.Move(tmp, path, overwrite: true);
        }
        finally { File.Delete(tmp); }
        return path;
    });

    /// <summary>The full-size seeded weights file with the (softened) top; generated on first use.</summary>
    public static string Weights => WeightsLazy.Value;

    private static readonly Lazy<string> NotopWeightsLazy = new(() =>
    {
        string path = Path.Combine(Root, "weights-notop-keras3.h5");
        if (File.Exists(path)) return path;
        string tmp = path + $".tmp-{Guid.NewGuid():N}.h5";
        try
        {
            Python.Run(WeightsScript, TimeSpan.FromMinutes(10), tmp, "--layout", "keras3", "--notop", "--seed", WeightsSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(tmp, path, overwrite: true);
        }
        finally { File.Delete(tmp); }
        return path;
    });

    /// <summary>Full-size seeded weights WITHOUT the top, in the Keras 3 layout (same generator, same seed).</summary>
    public static string NotopWeights => NotopWeightsLazy.Value;

    private static readonly ConcurrentDictionary<string, Lazy<string>> CaseDirs = new();

    /// <summary>The reference folder of a case; generated on first use.</summary>
    public static string CaseDir(Case c) => CaseDirs.GetOrAdd(c.Name, _ => new Lazy<string>(() => Generate(c))).Value;

    private static string Generate(Case c)
    {
        string dir = Path.Combine(Root, "ref-" + c.Name);
        if (File.Exists(Path.Combine(dir, "done"))) return dir;
        string tmp = dir + $".tmp-{Guid.NewGuid():N}";
        try
        {
            var args = new List<string> { "--image", Paths.SharedImage(c.Image), "--out", tmp };
            args.AddRange(c.Resize == "native" ? new[] { "--size", "native" } : new[] { "--resize", c.Resize });
            // The float64 pass documents PyTorch's own float32 noise; it is skipped for the big native-size case (time).
            if (c.WithNetwork) args.AddRange(c.Notop ? new[] { "--weights", NotopWeights } : new[] { "--weights", Weights, "--float64-check" });
            else args.Add("--input-only");
            Python.Run(ReferenceScript, TimeSpan.FromMinutes(10), args.ToArray());
            File.WriteAllText(Path.Combine(tmp, "done"), "");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.Move(tmp, dir);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
        return dir;
    }

    public static Npy.Array Load(Case c, string name) => Npy.Read(Path.Combine(CaseDir(c), name + ".npy"));

    public static int[] Top5(Case c)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(CaseDir(c), "top5.json")));
        return doc.RootElement.EnumerateArray().Select(e => e.GetProperty("index").GetInt32()).ToArray();
    }

    /// <summary>meta.json's fp32_vs_fp64 entry of a layer: the reference's own float32 rounding, relative to max
    /// (NaN and -1 when the case was generated without --float64-check).</summary>
    public static (double RelErr, int SwitchFlips) Fp32Noise(Case c, string layer)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(CaseDir(c), "meta.json")));
        if (!doc.RootElement.TryGetProperty("fp32_vs_fp64", out var noise)) return (double.NaN, -1);
        var e = noise.GetProperty(layer);
        return (e.GetProperty("rel_err").GetDouble(),
            e.TryGetProperty("switches_differing_fp32_fp64", out var s) ? s.GetInt32() : 0);
    }
}
