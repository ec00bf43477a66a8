using System.Buffers.Binary;
using System.Text;

namespace CnnEngine.Imaging.Png;

/// <summary>One chunk: its 4-letter type, its data, and where it starts in the file (for messages).</summary>
internal readonly ref struct PngChunk(uint type, ReadOnlySpan<byte> data, int offset)
{
    public uint Type { get; } = type;
    public ReadOnlySpan<byte> Data { get; } = data;
    public int Offset { get; } = offset;
    public string TypeName => ChunkTypes.Name(Type);
    /// <summary>Bit 5 of the first letter: lowercase = ancillary (safe to ignore).</summary>
    public bool IsCritical => (Type & 0x20000000u) == 0;
}

internal static class ChunkTypes
{
    public const uint IHDR = 0x49484452, PLTE = 0x504C5445, IDAT = 0x49444154, IEND = 0x49454E44, tRNS = 0x74524E53;

    public static string Name(uint type)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, type);
        foreach (byte c in b) if (c < 0x20 || c > 0x7E) return "0x" + type.ToString("X8");
        return Encoding.ASCII.GetString(b);
    }
}

/// <summary>
/// Walks the chunks after the 8-byte signature: length (big-endian, &lt; 2^31), type, data, CRC-32 of type+data.
/// Every chunk's CRC is checked; a chunk running past the end of the file is corruption, not an end.
/// </summary>
internal ref struct PngChunkReader
{
    private readonly ReadOnlySpan<byte> _file;
    private readonly string _name;
    private int _position;

    public PngChunkReader(ReadOnlySpan<byte> file, string name)
    {
        _file = file;
        _name = name;
        _position = 8;
    }

    public PngChunk Next()
    {
        int start = _position;
        if (_file.Length - start < 12)
            throw new CorruptImageException(_name, $"PNG is truncated: file ends at byte {_file.Length} where a chunk header was expected (no IEND chunk)");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_file[start..]);
        uint type = BinaryPrimitives.ReadUInt32BigEndian(_file[(start + 4)..]);
        if (length > int.MaxValue)
            throw new CorruptImageException(_name, $"PNG chunk at byte {start} has an impossible length {length}");
        if ((long)_file.Length - start - 12 < length)
            throw new CorruptImageException(_name, $"PNG is truncated: the {ChunkTypes.Name(type)} chunk at byte {start} needs {length} bytes but the file ends at byte {_file.Length}");
        ReadOnlySpan<byte> typeAndData = _file.Slice(start + 4, 4 + (int)length);
        uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(_file[(start + 8 + (int)length)..]);
        if (Crc32.Compute(typeAndData) != storedCrc)
            throw new CorruptImageException(_name, $"PNG is corrupt: CRC mismatch in the {ChunkTypes.Name(type)} chunk at byte {start}");
        _position = start + 12 + (int)length;
        return new PngChunk(type, typeAndData[4..], start);
    }
}
