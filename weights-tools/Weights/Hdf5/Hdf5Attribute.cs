using System.Buffers.Binary;
using System.Text;

namespace CnnEngine.Weights.Hdf5;

/// <summary>An attribute of a group or dataset. Values are decoded on request: strings or numbers.</summary>
public sealed class Hdf5Attribute
{
    private readonly Hdf5File _file;
    private readonly Datatype _type;
    private readonly Dataspace _space;
    private readonly byte[] _data;
    private readonly long _dataOffset;

    public string Name { get; }
    /// <summary>Dimensions of the value ([] for a scalar).</summary>
    public IReadOnlyList<long> Shape => _space.Dims;
    /// <summary>Human description of the stored type ("fixed string[12]", "variable-length string", "f8", ...).</summary>
    public string TypeDescription => _type.Description;
    public bool IsString => _type.Kind is DatatypeKind.FixedString or DatatypeKind.VarString;

    private Hdf5Attribute(Hdf5File file, string name, Datatype type, Dataspace space, byte[] data, long dataOffset)
    {
        _file = file; Name = name; _type = type; _space = space; _data = data; _dataOffset = dataOffset;
    }

    internal static Hdf5Attribute Parse(Hdf5File file, ByteCursor c)
    {
        int version = c.U8();
        if (version is < 1 or > 3) throw c.Unsupported($"attribute message version {version}");
        int flags = c.U8();
        if ((flags & 0x03) != 0) throw c.Unsupported("attribute with a shared datatype or dataspace");
        int nameSize = c.U16(), typeSize = c.U16(), spaceSize = c.U16();
        if (version == 3) c.Skip(1); // name character set
        int Pad(int n) => version == 1 ? (n + 7) / 8 * 8 : n;
        var nameBytes = c.Bytes(Pad(nameSize));
        int end = nameBytes[..Math.Min(nameSize, nameBytes.Length)].IndexOf((byte)0);
        string name = Encoding.UTF8.GetString(end < 0 ? nameBytes[..nameSize] : nameBytes[..end]);
        int typeStart = c.Position;
        var type = Datatype.Parse(c.Slice(typeStart, typeSize));
        c.Position = typeStart;
        c.Skip(Pad(typeSize));
        int spaceStart = c.Position;
        var space = Dataspace.Parse(c.Slice(spaceStart, spaceSize));
        c.Position = spaceStart;
        c.Skip(Pad(spaceSize));
        long count = space.ElementCount;
        if (type.Size <= 0 && count > 0) throw c.Corrupt($"attribute {name} has elements of {type.Size} bytes");
        // Divide rather than multiply: count × size can overflow for a damaged dataspace.
        if (count > 0 && count > c.Remaining / type.Size)
            throw c.Corrupt($"attribute {name} value needs {count} × {type.Size} bytes, message has {c.Remaining}");
        long bytes = count * type.Size;
        long at = c.Here;
        return new Hdf5Attribute(file, name, type, space, c.Bytes((int)bytes).ToArray(), at);
    }

    /// <summary>The value as strings (fixed-length: padding removed; variable-length: read from the global heap).</summary>
    public string[] ReadStrings()
    {
        long count = _space.ElementCount;
        CheckValueSize(count);
        var result = new string[count];
        if (_type.Kind == DatatypeKind.FixedString)
        {
            for (int i = 0; i < count; i++)
            {
                var s = _data.AsSpan(i * _type.Size, _type.Size);
                int end = s.IndexOf((byte)0);
                if (end >= 0) s = s[..end];
                result[i] = Encoding.UTF8.GetString(s).TrimEnd(' ');
            }
            return result;
        }
        if (_type.Kind == DatatypeKind.VarString)
        {
            int stride = _type.Size; // 4 (length) + offset size (collection) + 4 (index)
            int o = _file.Source.OffsetSize;
            if (stride != 4 + o + 4) throw new UnsupportedHdf5FeatureException($"variable-length string element of {stride} bytes", _dataOffset);
            var cursor = new ByteCursor(_file.Source, _data, _dataOffset);
            for (int i = 0; i < count; i++)
            {
                uint length = cursor.U32();
                long collection = cursor.Address();
                int index = (int)cursor.U32();
                if (length == 0 && !Hdf5Address.IsDefined(collection)) { result[i] = ""; continue; }
                if (collection == 0 && index == 0) { result[i] = ""; continue; }
                byte[] raw = _file.GlobalHeap.Get(collection, index);
                if (length > raw.Length) throw new Hdf5FormatException($"{_file.Path}: string attribute {Name} longer than its heap object: corrupt");
                result[i] = Encoding.UTF8.GetString(raw, 0, (int)length);
            }
            return result;
        }
        // Keras writes an empty float64 array where a layer has no weights: that is an empty list of names.
        if (count == 0) return Array.Empty<string>();
        throw new WeightsException($"{_file.Path}: attribute {Name} is {_type.Description}, not a string");
    }

    /// <summary>The stored value must hold count × element size bytes (a damaged datatype or dataspace can declare more).</summary>
    private void CheckValueSize(long count)
    {
        if (_type.Size <= 0 && count > 0)
            throw new Hdf5FormatException($"{_file.Path}: attribute {Name} has elements of {_type.Size} bytes: corrupt");
        if (count > _data.Length / Math.Max(1, _type.Size))
            throw new Hdf5FormatException($"{_file.Path}: attribute {Name} declares {count} elements of {_type.Size} bytes, its value holds {_data.Length} bytes: corrupt");
    }

    /// <summary>The value as doubles (integers or floats).</summary>
    public double[] ReadNumbers()
    {
        long count = _space.ElementCount;
        CheckValueSize(count);
        var result = new double[count];
        for (int i = 0; i < count; i++)
        {
            var s = _data.AsSpan(i * _type.Size, _type.Size);
            result[i] = (_type.Kind, _type.Size, _type.Signed) switch
            {
                (DatatypeKind.Float, 2, _) => (double)BinaryPrimitives.ReadHalfLittleEndian(s),
                (DatatypeKind.Float, 4, _) => BinaryPrimitives.ReadSingleLittleEndian(s),
                (DatatypeKind.Float, 8, _) => BinaryPrimitives.ReadDoubleLittleEndian(s),
                (DatatypeKind.Integer, 1, true) => (sbyte)s[0],
                (DatatypeKind.Integer, 1, false) => s[0],
                (DatatypeKind.Integer, 2, true) => BinaryPrimitives.ReadInt16LittleEndian(s),
                (DatatypeKind.Integer, 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(s),
                (DatatypeKind.Integer, 4, true) => BinaryPrimitives.ReadInt32LittleEndian(s),
                (DatatypeKind.Integer, 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(s),
                (DatatypeKind.Integer, 8, true) => BinaryPrimitives.ReadInt64LittleEndian(s),
                (DatatypeKind.Integer, 8, false) => BinaryPrimitives.ReadUInt64LittleEndian(s),
                _ => throw new UnsupportedHdf5FeatureException($"attribute {Name} of type {_type.Description}", _type.FileOffset),
            };
        }
        return result;
    }
}
