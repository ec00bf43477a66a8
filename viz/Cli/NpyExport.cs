using CnnEngine.Model;
using CnnEngine.Taps;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// --export-npy DIR: DIR/&lt;layer&gt;.npy float32 (1, H, W, C) for every layer (dense layers (1, K)) — exactly what
/// Keras's intermediate model returns — and DIR/&lt;pool&gt;_switches.npy int32 (1, H', W', C).
/// A new DIR is built under a temporary name and renamed when complete; into an existing DIR each file is
/// written under a temporary name and renamed.
/// </summary>
public static class NpyExport
{
    /// <summary>The absolute paths Write will produce, in layer order.</summary>
    public static IReadOnlyList<string> FileNames(string directory, IReadOnlyList<LayerSpec> layers) =>
        layers.SelectMany(l => l.IsPool ? new[] { l.Name + ".npy", l.Name + "_switches.npy" } : new[] { l.Name + ".npy" })
              .Select(n => Path.GetFullPath(Path.Combine(directory, n))).ToArray();

    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<LayerSpec> layers, RecordingTap tap, CliConsole console)
    {
        bool fresh = !Directory.Exists(directory);
        using var target = fresh ? new AtomicDirectory(directory, force: false) : null;
        string workDir = target?.WorkPath ?? directory;
        var names = new List<string>();
        foreach (var layer in layers)
        {
            if (!tap.Activations.TryGetValue(layer.Name, out var activation))
                throw new InvalidOperationException($"the backend did not hand over layer {layer.Name}");
            NpyWriter.Write(Path.Combine(workDir, layer.Name + ".npy"), activation);
            names.Add(layer.Name + ".npy");
            if (layer.IsPool)
            {
                if (!tap.Switches.TryGetValue(layer.Name, out var switches))
                    throw new InvalidOperationException($"the backend did not hand over the switches of {layer.Name}");
                NpyWriter.Write(Path.Combine(workDir, layer.Name + "_switches.npy"), switches);
                names.Add(layer.Name + "_switches.npy");
            }
        }
        target?.Commit();
        console.Info($"exported {names.Count} arrays to {directory}");
        return names.Select(n => Path.GetFullPath(Path.Combine(directory, n))).ToArray();
    }
}
