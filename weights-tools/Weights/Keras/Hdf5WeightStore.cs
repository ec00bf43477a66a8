using CnnEngine.Weights.Hdf5;

namespace CnnEngine.Weights.Keras;

/// <summary>
/// A Keras HDF5 weights file as an <see cref="IWeightStore"/>. Tensors are decoded to float32 on first request
/// (one large read straight into the result for contiguous f32 data) and kept until disposed.
/// </summary>
internal sealed class Hdf5WeightStore : IWeightStore, IWeightStoreDetails
{
    private readonly Hdf5File _file;
    private readonly Dictionary<string, KerasTensor> _tensors;
    private readonly Dictionary<string, float[]> _decoded = new();
    private readonly object _lock = new();

    public string SourcePath { get; }
    public WeightsLayout Layout { get; }
    public IReadOnlyList<string> LayerNames { get; }
    public IReadOnlyList<string> TensorNames { get; }
    /// <summary>Where each tensor lives in the file (for inspect).</summary>
    public IReadOnlyDictionary<string, string> DatasetPaths { get; }
    public IReadOnlyDictionary<string, string> DatasetTypes { get; }

    public Hdf5WeightStore(string path)
    {
        SourcePath = path;
        _file = Hdf5File.Open(path);
        try
        {
            var (layout, tensors) = KerasLayoutReader.Read(_file);
            Layout = layout;
            _tensors = new Dictionary<string, KerasTensor>(StringComparer.Ordinal);
            foreach (var t in tensors)
                if (!_tensors.TryAdd(t.Name, t)) throw new WeightsException($"{path}: tensor {t.Name} appears twice");
            TensorNames = tensors.Select(t => t.Name).ToArray();
            LayerNames = tensors.Select(t => t.Layer).Distinct().ToArray();
            DatasetPaths = tensors.ToDictionary(t => t.Name, t => t.Dataset.Path);
            DatasetTypes = tensors.ToDictionary(t => t.Name, t => t.Dataset.TypeName);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public bool Contains(string tensorName) => _tensors.ContainsKey(tensorName);

    public string StoredDtype(string tensorName) => Get(tensorName).Dataset.TypeName;
    public string? StoredLocation(string tensorName) => Get(tensorName).Dataset.Path;
    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

    public int[] GetShape(string tensorName)
    {
        var ds = Get(tensorName).Dataset;
        return ds.Shape.Select(d => d > int.MaxValue ? throw new WeightsException($"{SourcePath}: {tensorName} dimension {d} too large") : (int)d).ToArray();
    }

    public ReadOnlyMemory<float> GetTensor(string tensorName)
    {
        var t = Get(tensorName);
        lock (_lock)
        {
            if (_decoded.TryGetValue(tensorName, out var cached)) return cached;
            if (!t.Dataset.IsFloat)
                throw new WeightsException($"{SourcePath}: {tensorName} ({t.Dataset.Path}) holds {t.Dataset.TypeName}, not floating point");
            var values = t.Dataset.ReadFloat32();
            _decoded[tensorName] = values;
            return values;
        }
    }

    private KerasTensor Get(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new WeightsException($"{SourcePath}: no tensor {name}");

    public void Dispose()
    {
        lock (_lock)
        {
            _decoded.Clear();
            _file.Dispose();
        }
    }
}
