using System.Runtime.InteropServices;

namespace CnnEngine.Weights.Hdf5;

/// <summary>A dataset: shape, element type and storage; values decoded to float32 (from f16, f32 or f64).</summary>
public sealed class Hdf5Dataset : Hdf5Object
{
    private readonly Datatype _type;
    private readonly Dataspace _space;
    private readonly DataLayout _layout;
    private readonly Filter[] _filters;

    internal Hdf5Dataset(Hdf5File file, string name, string path, long headerAddress, List<HeaderMessage> messages)
        : base(file, name, path, headerAddress, messages)
    {
        var type = Find(MessageType.Datatype) ?? throw Corrupt("dataset without a datatype message");
        var space = Find(MessageType.Dataspace) ?? throw Corrupt("dataset without a dataspace message");
        var layout = Find(MessageType.Layout)!;
        if (Find(MessageType.ExternalFiles) is { } ext) throw new UnsupportedHdf5FeatureException($"external data files for \"{path}\"", ext.Body.FileOffset);
        type.Body.Position = 0; space.Body.Position = 0; layout.Body.Position = 0;
        _type = Datatype.Parse(type.Body);
        _space = Dataspace.Parse(space.Body);
        _layout = DataLayout.Parse(layout.Body);
        var pipeline = Find(MessageType.FilterPipeline);
        if (pipeline is not null) pipeline.Body.Position = 0;
        _filters = pipeline is null ? Array.Empty<Filter>() : FilterPipeline.Parse(pipeline.Body);
        if (_layout.Class == LayoutClass.Chunked && _layout.ChunkDims.Length != _space.Dims.Length)
            throw Corrupt($"chunk rank {_layout.ChunkDims.Length} differs from dataset rank {_space.Dims.Length}");
    }

    /// <summary>Dimension sizes ([] for a scalar).</summary>
    public IReadOnlyList<long> Shape => _space.Dims;
    public long ElementCount => _space.ElementCount;
    /// <summary>"f2", "f4", "f8", "i4", "fixed string[12]", ...</summary>
    public string TypeName => _type.Description;
    public bool IsFloat => _type.Kind == DatatypeKind.Float;
    /// <summary>"contiguous", "compact" or "chunked (…), deflate+shuffle".</summary>
    public string StorageDescription => _layout.Class switch
    {
        LayoutClass.Compact => "compact",
        LayoutClass.Contiguous => "contiguous",
        _ => $"chunked ({string.Join("x", _layout.ChunkDims)}, {_layout.ChunkIndex})" + (_filters.Length == 0 ? "" : ", " + string.Join("+", _filters.Select(f => f.Id switch { 1 => "deflate", 2 => "shuffle", _ => $"filter {f.Id}" }))),
    };

    /// <summary>Decodes all values to float32 in row-major order.</summary>
    public float[] ReadFloat32()
    {
        long count = CheckedElementCount();
        var result = GC.AllocateUninitializedArray<float>((int)count);
        ReadFloat32(result);
        return result;
    }

    /// <summary>Decodes all values into <paramref name="destination"/> (exactly <see cref="ElementCount"/> floats).</summary>
    public void ReadFloat32(Span<float> destination)
    {
        long count = CheckedElementCount();
        if (destination.Length != count) throw new ArgumentException($"destination has {destination.Length} floats, dataset {Path} has {count}");
        if (_type.Kind != DatatypeKind.Float)
            throw new UnsupportedHdf5FeatureException($"dataset \"{Path}\" of type {_type.Description} (only little-endian IEEE f16/f32/f64 are read)", _type.FileOffset);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        if (_type.Size == 4)
        {
            // The common case: raw bytes land directly in the result, no per-element work.
            ReadRaw(MemoryMarshal.AsBytes(destination));
            return;
        }
        var raw = GC.AllocateUninitializedArray<byte>(checked((int)(count * _type.Size)));
        ReadRaw(raw);
        if (_type.Size == 2)
        {
            var halves = MemoryMarshal.Cast<byte, Half>(raw);
            for (int i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
        }
        else
        {
            var doubles = MemoryMarshal.Cast<byte, double>(raw);
            for (int i = 0; i < doubles.Length; i++) destination[i] = (float)doubles[i];
        }
    }

    private long CheckedElementCount()
    {
        long count = _space.ElementCount;
        // A corrupt dataspace can claim any size; refuse before allocating anything the file could not hold.
        long bytes = count * Math.Max(1, _type.Size);
        bool deflated = _filters.Any(f => f.Id == FilterPipeline.Deflate);
        long plausible = deflated ? File.Length * 1100 + (1 << 20) : File.Length;
        if (_layout.Class != LayoutClass.Compact && bytes > plausible)
            throw new Hdf5FormatException($"{File.Path}: dataset {Path} claims shape ({string.Join(", ", _space.Dims)}) = {bytes} bytes, more than the {File.Length}-byte file can hold: corrupt");
        if (count > Array.MaxLength) throw new UnsupportedHdf5FeatureException($"dataset \"{Path}\" with {count} elements (more than one .NET array holds)", _layout.FileOffset);
        return count;
    }

    private void ReadRaw(Span<byte> output)
    {
        switch (_layout.Class)
        {
            case LayoutClass.Compact:
                if (_layout.CompactData!.Length != output.Length) throw Corrupt($"compact data has {_layout.CompactData.Length} bytes, shape needs {output.Length}");
                _layout.CompactData.CopyTo(output);
                return;
            case LayoutClass.Contiguous:
                if (output.Length == 0) return;
                if (_layout.Size != output.Length) throw Corrupt($"contiguous storage has {_layout.Size} bytes, shape needs {output.Length}");
                if (!Hdf5Address.IsDefined(_layout.Address)) throw new UnsupportedHdf5FeatureException($"dataset \"{Path}\" never written (fill value only)", _layout.FileOffset);
                File.Source.ReadInto(_layout.Address, output, $"data of {Path}");
                return;
            default:
                ChunkedReader.Read(File.Source, Path, _space.Dims, _type.Size, _layout, _filters, output);
                return;
        }
    }

    private Hdf5FormatException Corrupt(string what) => new($"{File.Path}: dataset {Path}: {what}: corrupt");
}
