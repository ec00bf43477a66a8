using System.Globalization;
using System.Text.Json;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// --labels FILE: class names for a user's model, as one name per line, a JSON list ["cat", "dog"], or a JSON object
/// {"0": "cat", "1": "dog"} (Keras's class_indices inverted, or imagenet_class_index.json's {"0": ["n01440764",
/// "tench"]} where the last string is the name). Classes without a name are "class N".
/// </summary>
public static class LabelsFile
{
    public const long MaxBytes = 16 << 20;

    public static string[] Load(string path, int classCount)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new CliException($"--labels {path}: no such file");
            if (info.Length > MaxBytes) throw new CliException($"--labels {path}: {info.Length} bytes, more than {MaxBytes >> 20} MiB");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--labels {path}: cannot read: {e.Message}");
        }
        var names = Default(classCount);
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                if (doc.RootElement.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (var e in doc.RootElement.EnumerateArray())
                    {
                        if (i < classCount) names[i] = Name(e, path);
                        i++;
                    }
                    if (i != classCount) throw new CliException($"--labels {path}: {i} names for a model with {classCount} classes");
                }
                else
                {
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= classCount)
                            throw new CliException($"--labels {path}: key '{p.Name}' is not a class index 0..{classCount - 1}");
                        names[index] = Name(p.Value, path);
                    }
                }
            }
            catch (JsonException e)
            {
                throw new CliException($"--labels {path}: not valid JSON: {e.Message}");
            }
            return names;
        }
        var lines = text.Replace("\r\n", "\n").Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        if (count != classCount) throw new CliException($"--labels {path}: {count} lines for a model with {classCount} classes");
        for (int i = 0; i < count; i++) if (lines[i].Trim().Length > 0) names[i] = lines[i].Trim();
        return names;
    }

    public static string[] Default(int classCount) => Enumerable.Range(0, classCount).Select(i => $"class {i}").ToArray();

    private static string Name(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array when e.GetArrayLength() > 0 && e[e.GetArrayLength() - 1].ValueKind == JsonValueKind.String => e[e.GetArrayLength() - 1].GetString()!,
        _ => throw new CliException($"--labels {path}: {e.GetRawText()} is not a class name"),
    };
}
