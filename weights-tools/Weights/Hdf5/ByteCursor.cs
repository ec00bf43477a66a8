using System.Buffers.Binary;
using System.Text;

namespace CnnEngine.Weights.Hdf5;

/// <summary>
/// Little-endian reader over one structure read from the file. Knows the file offset of its first byte so every
/// error names where in the file it happened; every read is bounds-checked against the structure.
/// </summary>
internal sealed class ByteCursor
{
    private readonly Hdf5Source _source;
    public byte[] Buffer { get; }
    /// <summary>Absolute file offset of Buffer[0].</summary>
    public long FileOffset { get; }
    public int Position { get; set; }

    public ByteCursor(Hdf5Source source, byte[] buffer, long fileOffset)
    {
        _source = source; Buffer = buffer; FileOffset = fileOffset;
    }

    public int Remaining => Buffer.Length - Position;
    public long Here => FileOffset + Position;
    public Hdf5Source Source => _source;

    public ByteCursor Slice(int start, int length)
    {
        Need(start, length);
        return new ByteCursor(_source, Buffer.AsSpan(start, length).ToArray(), FileOffset + start);
    }

    private void Need(int at, long n)
    {
        if (at < 0 || n < 0 || at + n > Buffer.Length)
            throw new Hdf5FormatException($"{_source.Path}: structure at offset {FileOffset} is truncated (needs byte {at + n}, has {Buffer.Length}): corrupt");
    }

    public ReadOnlySpan<byte> Bytes(int n)
    {
        Need(Position, n);
        var s = Buffer.AsSpan(Position, n);
        Position += n;
        return s;
    }

    public void Skip(int n) { Need(Position, n); Position += n; }

    public byte U8() { Need(Position, 1); return Buffer[Position++]; }
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

    /// <summary>Unsigned integer of 1..8 bytes.</summary>
    public ulong UVar(int size)
    {
        if (size is < 1 or > 8) throw new Hdf5FormatException($"{_source.Path}: integer width {size} at offset {Here}: corrupt");
        var b = Bytes(size);
        ulong v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | b[i];
        return v;
    }

    /// <summary>An address; <see cref="Hdf5Address.Undefined"/> for all-ones.</summary>
    public long Address()
    {
        int size = _source.OffsetSize;
        ulong v = UVar(size);
        ulong undefined = size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
        if (v == undefined) return Hdf5Address.Undefined;
        if (v > long.MaxValue) throw new Hdf5FormatException($"{_source.Path}: address {v} at offset {Here - size}: corrupt");
        return (long)v;
    }

    /// <summary>A length (size of lengths); rejects values that cannot be a real size.</summary>
    public long Length()
    {
        ulong v = UVar(_source.LengthSize);
        if (v > long.MaxValue) throw new Hdf5FormatException($"{_source.Path}: length {v} at offset {Here - _source.LengthSize}: corrupt");
        return (long)v;
    }

    public string Signature(int n = 4) => Encoding.ASCII.GetString(Bytes(n));

    public void ExpectSignature(string signature, string what)
    {
        long at = Here;
        if (Remaining < signature.Length || Signature(signature.Length) != signature)
            throw new Hdf5FormatException($"{_source.Path}: expected {what} signature \"{signature}\" at offset {at}: corrupt");
    }

    /// <summary>Null-terminated ASCII/UTF-8 string starting at the current position.</summary>
    public string CString()
    {
        int start = Position;
        int end = Array.IndexOf(Buffer, (byte)0, start);
        if (end < 0) throw new Hdf5FormatException($"{_source.Path}: unterminated name at offset {FileOffset + start}: corrupt");
        Position = end + 1;
        return Encoding.UTF8.GetString(Buffer, start, end - start);
    }

    public void AlignFrom(int origin, int alignment)
    {
        int rel = Position - origin;
        int pad = (alignment - rel % alignment) % alignment;
        Position = Math.Min(Buffer.Length, Position + pad);
    }

    public Hdf5FormatException Corrupt(string what) => new($"{_source.Path}: {what} at offset {Here}: corrupt");
    public UnsupportedHdf5FeatureException Unsupported(string feature) => new(feature, Here);
}

internal static class Hdf5Address
{
    public const long Undefined = -1;
    public static bool IsDefined(long a) => a != Undefined;
}
