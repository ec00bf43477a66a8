using System.Text.Json;
using CnnEngine.TestSupport;

namespace CnnEngine.Viz.Tests;

/// <summary>What PIL made of one file.</summary>
internal sealed record PilImage(string Path, string Format, int Width, int Height, string Mode, int Frames, int? Loop, int[] Durations)
{
    /// <summary>Decoded pixels of a PNG as PIL returns them (H, W, C).</summary>
    public byte[] Pixels() => File.ReadAllBytes(Path + ".pil.raw");

    /// <summary>Frame i of a GIF, converted to RGB by PIL (H, W, 3).</summary>
    public byte[] Frame(int i) => File.ReadAllBytes($"{Path}.pil.{i}.raw");
}

/// <summary>Decodes many files with one python3 call (PIL is the independent reference).</summary>
internal static class PilDecoder
{
    public static IReadOnlyDictionary<string, PilImage> Decode(params string[] files)
    {
        Python.SkipIfUnavailable();
        string json = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pil-{Guid.NewGuid():N}.json");
        try
        {
            Python.Run(VizTestPaths.Script("pil_decode.py"), TimeSpan.FromMinutes(5), new[] { json }.Concat(files).ToArray());
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var result = new Dictionary<string, PilImage>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var e = p.Value;
                int frames = e.TryGetProperty("frames", out var f) ? f.GetInt32() : 1;
                int? loop = e.TryGetProperty("loop", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt32() : null;
                int[] durations = e.TryGetProperty("durations", out var d) ? d.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetInt32() : -1).ToArray() : Array.Empty<int>();
                result[p.Name] = new PilImage(p.Name, e.GetProperty("format").GetString()!, e.GetProperty("width").GetInt32(),
                    e.GetProperty("height").GetInt32(), e.GetProperty("mode").GetString()!, frames, loop, durations);
            }
            return result;
        }
        finally
        {
            File.Delete(json);
        }
    }
}
