using System.Globalization;
using System.Text;
using CnnEngine.Weights.Hdf5;

namespace CnnEngine.Weights.KerasModel;

/// <summary>How the model was saved.</summary>
public enum KerasModelFormat
{
    /// <summary>model.save("x.h5") by Keras 2 / tf.keras / Keras 3 (legacy h5): root attr model_config, weights under model_weights/.</summary>
    FullModelH5,
    /// <summary>model.save("x.keras") by Keras 3: a zip of config.json, metadata.json and model.weights.h5.</summary>
    KerasZip,
    /// <summary>A weights-only file (Keras 3 x.weights.h5 or Keras 2 save_weights) with the architecture from --config.</summary>
    WeightsWithConfig,
}

/// <summary>
/// A saved Keras model opened for reading, with no Python: its architecture (<see cref="Config"/>) and, per layer, its
/// weights in the order Keras lists them (Conv2D / Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean,
/// moving_variance, minus gamma / beta when scale / center is off).
///
/// Where weights are found:
/// <list type="bullet">
/// <item>Full .h5 (and Keras 2 save_weights): group model_weights/ (or the root) with attribute layer_names; the group of
/// a layer, named as the layer, has attribute weight_names (e.g. "conv2d/kernel:0"), each a dataset path inside it.</item>
/// <item>Keras 3 (.keras's model.weights.h5, x.weights.h5): layers/&lt;key&gt;/vars/0, 1, … where &lt;key&gt; is the snake-cased class
/// name with a per-class counter in model order (conv2d, conv2d_1, …, batch_normalization, dense, …) as Keras 3's
/// saving_lib names them; a group named as the layer is accepted too.</item>
/// </list>
/// </summary>
public sealed class KerasModelFile : IDisposable
{
    /// <summary>Largest model.weights.h5 taken out of a .keras zip (the file is extracted to a temporary file).</summary>
    public const long MaxZipWeightsBytes = 8L << 30;
    private const long MaxZipJsonBytes = KerasModelConfig.MaxConfigBytes;

    private readonly Hdf5File _weights;
    private readonly string? _tempFile;
    private readonly Hdf5Group? _byLayerNames;   // model_weights/ (or the root) with layer_names
    private readonly Hdf5Group? _keras3Layers;   // layers/ with <key>/vars
    private readonly Dictionary<string, string> _keras3Keys = new(StringComparer.Ordinal);

    public string SourcePath { get; }
    public KerasModelFormat Format { get; }
    public KerasModelConfig Config { get; }
    /// <summary>The Keras version that wrote the file ("2.11.0", "3.10.0"), or "" when not recorded.</summary>
    public string KerasVersion { get; }

    private KerasModelFile(string source, KerasModelFormat format, KerasModelConfig config, string version, Hdf5File weights, string? tempFile)
    {
        SourcePath = source; Format = format; Config = config; KerasVersion = version; _weights = weights; _tempFile = tempFile;
        var root = weights.Root;
        if (root.TryGetGroup("layers") is { } layers && layers.ChildNames.Any(n => layers.TryGetGroup(n + "/vars") is not null))
        {
            _keras3Layers = layers;
            var counters = new Dictionary<string, int>(StringComparer.Ordinal);
            // Keras 3 counts over the model's layer list, which starts with the InputLayer.
            foreach (var layer in new[] { "InputLayer" }.Concat(config.Layers.Select(l => l.ClassName)).Select((c, i) => (c, i)))
            {
                string key = SnakeCase(layer.c);
                counters[key] = counters.TryGetValue(key, out int k) ? k + 1 : 0;
                if (layer.i > 0) _keras3Keys[config.Layers[layer.i - 1].Name] = counters[key] == 0 ? key : $"{key}_{counters[key]}";
            }
        }
        else if (HasAttribute(root, "layer_names")) _byLayerNames = root;
        else if (root.TryGetGroup("model_weights") is { } mw && HasAttribute(mw, "layer_names")) _byLayerNames = mw;
        else throw new KerasModelException($"{source}: no weights found (no model_weights/ with layer_names, no layers/…/vars)");
    }

    /// <summary>
    /// Opens a model: a .keras zip, a full-model .h5, or (with <paramref name="configPath"/>) any Keras weights file plus
    /// the architecture from a config.json (the .keras's own, or model.to_json()'s). Throws <see cref="KerasModelException"/>.
    /// </summary>
    public static KerasModelFile Open(string path, string? configPath = null)
    {
        if (Directory.Exists(path)) throw new KerasModelException($"{path}: is a folder, not a model file");
        if (!File.Exists(path)) throw new KerasModelException($"{path}: no such file");
        if (IsZip(path)) return OpenZip(path, configPath);
        Hdf5File h5 = Hdf5File.Open(path);
        try
        {
            string version = AttributeString(h5.Root, "keras_version") ?? "";
            KerasModelConfig config;
            KerasModelFormat format;
            if (configPath is not null)
            {
                config = KerasModelConfig.Parse(ReadBounded(configPath), configPath);
                format = KerasModelFormat.WeightsWithConfig;
            }
            else
            {
                string json = AttributeString(h5.Root, "model_config")
                    ?? throw new KerasModelException($"{path}: weights only (no model_config attribute): give the architecture with --config config.json, or save the whole model with model.save()");
                config = KerasModelConfig.Parse(json, path);
                format = KerasModelFormat.FullModelH5;
            }
            return new KerasModelFile(path, format, config, version, h5, null);
        }
        catch
        {
            h5.Dispose();
            throw;
        }
    }

    /// <summary>True when the file starts with a zip local-file header ("PK\x03\x04").</summary>
    public static bool IsZip(string path)
    {
        Span<byte> head = stackalloc byte[4];
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            return fs.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasModelException($"{path}: cannot read: {e.Message}", e);
        }
    }

    private static KerasModelFile OpenZip(string path, string? configPath)
    {
        string? temp = null;
        try
        {
            string configJson, version = "";
            using (var zip = OpenArchive(path))
            {
                configJson = configPath is not null ? ReadBounded(configPath) : ReadEntryText(zip, path, "config.json");
                if (zip.GetEntry("metadata.json") is not null)
                {
                    string meta = ReadEntryText(zip, path, "metadata.json");
                    try
                    {
                        using var doc = System.Text.Json.JsonDocument.Parse(meta);
                        if (doc.RootElement.TryGetProperty("keras_version", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String) version = v.GetString()!;
                    }
                    catch (System.Text.Json.JsonException e) { throw new KerasModelException($"{path}: metadata.json is not valid JSON: {e.Message}", e); }
                }
                var entry = zip.GetEntry("model.weights.h5")
                    ?? throw new KerasModelException($"{path}: the .keras archive has no model.weights.h5" +
                        (zip.Entries.Any(e => e.FullName.StartsWith("model.weights", StringComparison.Ordinal)) ? " (sharded weights are not supported)" : ""));
                if (entry.Length > MaxZipWeightsBytes)
                    throw new KerasModelException($"{path}: model.weights.h5 claims {entry.Length} bytes, more than the {MaxZipWeightsBytes >> 30} GiB accepted");
                temp = Path.Combine(Path.GetTempPath(), $"cnn-engine-{Guid.NewGuid():N}.weights.h5");
                using (var src = entry.Open())
                using (var dst = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    // Copy no more than the header promised: a lying size cannot fill the disk.
                    var buffer = new byte[1 << 16];
                    long total = 0;
                    int n;
                    while ((n = src.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        total += n;
                        if (total > entry.Length) throw new KerasModelException($"{path}: model.weights.h5 is longer than its zip entry says: corrupt");
                        dst.Write(buffer, 0, n);
                    }
                    if (total != entry.Length) throw new KerasModelException($"{path}: model.weights.h5 is {total} bytes, its zip entry says {entry.Length}: truncated");
                }
            }
            var config = KerasModelConfig.Parse(configJson, configPath ?? path + ":config.json");
            var h5 = Hdf5File.Open(temp);
            try { return new KerasModelFile(path, KerasModelFormat.KerasZip, config, version, h5, temp); }
            catch { h5.Dispose(); throw; }
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not KerasModelException)
        {
            DeleteQuietly(temp);
            throw new KerasModelException($"{path}: not a readable .keras archive (truncated or corrupt zip: {e.Message})", e);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    private static System.IO.Compression.ZipArchive OpenArchive(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try { return new System.IO.Compression.ZipArchive(fs, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: false); }
        catch { fs.Dispose(); throw; }
    }

    private static string ReadEntryText(System.IO.Compression.ZipArchive zip, string path, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new KerasModelException($"{path}: the .keras archive has no {name}");
        if (entry.Length > MaxZipJsonBytes) throw new KerasModelException($"{path}: {name} claims {entry.Length} bytes, more than the {MaxZipJsonBytes >> 20} MiB accepted");
        using var s = entry.Open();
        var buffer = new byte[entry.Length];
        int got = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got != buffer.Length) throw new KerasModelException($"{path}: {name} is shorter than its zip entry says: truncated");
        return Encoding.UTF8.GetString(buffer);
    }

    private static string ReadBounded(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new KerasModelException($"{path}: no such file");
            if (info.Length > MaxZipJsonBytes) throw new KerasModelException($"{path}: {info.Length} bytes, more than the {MaxZipJsonBytes >> 20} MiB accepted for a config");
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasModelException($"{path}: cannot read: {e.Message}", e);
        }
    }

    /// <summary>The weights of one layer in Keras's order; empty when the file has none for it.</summary>
    public IReadOnlyList<KerasVariable> WeightsOf(string layerName)
    {
        if (_keras3Layers is not null)
        {
            Hdf5Group? vars = null;
            if (_keras3Keys.TryGetValue(layerName, out var key)) vars = _keras3Layers.TryGetGroup(key + "/vars");
            if (vars is null || vars.ChildCount == 0) vars = _keras3Layers.TryGetGroup(layerName + "/vars");
            if (vars is null) return Array.Empty<KerasVariable>();
            var result = new List<KerasVariable>();
            for (int i = 0; ; i++)
            {
                var ds = vars.TryGetDataset(i.ToString(CultureInfo.InvariantCulture));
                if (ds is null) break;
                result.Add(Read(ds, $"vars/{i}"));
            }
            return result;
        }
        var group = _byLayerNames!.TryGetGroup(layerName);
        if (group is null) return Array.Empty<KerasVariable>();
        string[] names = ReadStringList(group, "weight_names") ?? Array.Empty<string>();
        return names.Select(n => Read(group.TryGetDataset(n)
            ?? throw new KerasModelException($"{SourcePath}: layer '{layerName}' lists weight {n}, but there is no such dataset"), n)).ToArray();
    }

    private KerasVariable Read(Hdf5Dataset ds, string name)
    {
        if (!ds.IsFloat) throw new KerasModelException($"{SourcePath}: {ds.Path} holds {ds.TypeName}, not floating point");
        var shape = ds.Shape.Select(d => d > int.MaxValue ? throw new KerasModelException($"{SourcePath}: {ds.Path} dimension {d} too large") : (int)d).ToArray();
        return new KerasVariable(name, shape, ds.ReadFloat32());
    }

    private static bool HasAttribute(Hdf5Object o, string name) => o.Attributes.ContainsKey(name) || o.Attributes.ContainsKey(name + "0");

    private static string? AttributeString(Hdf5Object o, string name)
    {
        if (!o.Attributes.TryGetValue(name, out var a)) return null;
        var values = a.ReadStrings();
        return values.Length == 1 ? values[0] : null;
    }

    /// <summary>A list-of-names attribute, whole or split into name0, name1, … as Keras does past HDF5's 64 KiB limit.</summary>
    private static string[]? ReadStringList(Hdf5Object o, string name)
    {
        if (o.Attributes.TryGetValue(name, out var single)) return single.ReadStrings();
        if (!o.Attributes.ContainsKey(name + "0")) return null;
        var all = new List<string>();
        for (int i = 0; o.Attributes.TryGetValue(name + i.ToString(CultureInfo.InvariantCulture), out var part); i++) all.AddRange(part.ReadStrings());
        return all.ToArray();
    }

    /// <summary>Keras's naming.to_snake_case: "Conv2D" → "conv2d", "BatchNormalization" → "batch_normalization".</summary>
    public static string SnakeCase(string name)
    {
        string s = System.Text.RegularExpressions.Regex.Replace(name, "(.)([A-Z][a-z]+)", "$1_$2");
        s = System.Text.RegularExpressions.Regex.Replace(s, "([a-z])([A-Z])", "$1_$2");
        return s.ToLowerInvariant();
    }

    private static void DeleteQuietly(string? path)
    {
        if (path is null) return;
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        _weights.Dispose();
        DeleteQuietly(_tempFile);
    }
}
