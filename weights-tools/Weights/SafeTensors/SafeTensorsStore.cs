using System.IO.MemoryMappedFiles;

namespace CnnEngine.Weights.SafeTensors;

/// <summary>
/// A safetensors file, memory-mapped: <see cref="GetTensor"/> returns a view of the mapping (no copy), valid until
/// the store is disposed. Only F32 tensors are served (that is what weights-tools convert writes).
/// </summary>
internal sealed unsafe class SafeTensorsStore : IWeightStore, IWeightStoreDetails
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, SafeTensorEntry> _entries;
    private readonly Dictionary<string, UnmanagedFloatMemory> _memories = new();
    private readonly long _dataStart;
    private bool _disposed;

    public string SourcePath { get; }
    public WeightsLayout Layout => WeightsLayout.SafeTensors;
    public IReadOnlyList<string> LayerNames { get; }
    public IReadOnlyList<string> TensorNames { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public SafeTensorsStore(string path)
    {
        SourcePath = path;
        List<SafeTensorEntry> tensors;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None))
        {
            (tensors, var metadata, _dataStart) = SafeTensorsHeader.Read(path, fs);
            Metadata = metadata;
            _map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        // Keep the header's order, which is the layer order weights-tools writes (sorted by offset).
        var ordered = tensors.OrderBy(t => t.Begin).ToList();
        _entries = ordered.ToDictionary(t => t.Name, StringComparer.Ordinal);
        TensorNames = ordered.Select(t => t.Name).ToArray();
        LayerNames = ordered.Select(t => t.Name.Contains('.') ? t.Name[..t.Name.LastIndexOf('.')] : t.Name).Distinct().ToArray();
    }

    public bool Contains(string tensorName) => _entries.ContainsKey(tensorName);

    public string StoredDtype(string tensorName) => Get(tensorName).Dtype;
    public string? StoredLocation(string tensorName) => null;

    public int[] GetShape(string tensorName) => (int[])Get(tensorName).Shape.Clone();

    public ReadOnlyMemory<float> GetTensor(string tensorName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var e = Get(tensorName);
        if (e.Dtype != "F32") throw new WeightsException($"{SourcePath}: tensor {tensorName} is {e.Dtype}; only F32 is supported");
        lock (_memories)
        {
            if (_memories.TryGetValue(tensorName, out var m)) return m.Memory;
            long offset = _dataStart + e.Begin;
            int count = checked((int)((e.End - e.Begin) / 4));
            if (offset % 4 != 0)
            {
                // Unaligned data (not what convert writes): copy rather than hand out misaligned floats.
                var copy = new float[count];
                new ReadOnlySpan<byte>(_base + offset, count * 4).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(copy.AsSpan()));
                return copy;
            }
            m = new UnmanagedFloatMemory((float*)(_base + offset), count);
            _memories[tensorName] = m;
            return m.Memory;
        }
    }

    private SafeTensorEntry Get(string name) =>
        _entries.TryGetValue(name, out var e) ? e : throw new WeightsException($"{SourcePath}: no tensor {name}");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
