using Microsoft.Win32.SafeHandles;

namespace CnnEngine.Weights.Hdf5;

/// <summary>
/// The open file, with every read bounds-checked against its real length, plus the address widths the
/// superblock declared. All structure parsing goes through <see cref="ReadBlock"/>; bulk data through <see cref="ReadInto"/>.
/// </summary>
internal sealed class Hdf5Source : IDisposable
{
    private readonly SafeFileHandle _handle;

    public string Path { get; }
    public long Length { get; }
    /// <summary>Bytes per address ("size of offsets") and per length ("size of lengths"), from the superblock.</summary>
    public int OffsetSize { get; set; } = 8;
    public int LengthSize { get; set; } = 8;
    /// <summary>Superblock base address: every stored address is relative to it.</summary>
    public long BaseAddress { get; set; }

    public Hdf5Source(string path)
    {
        Path = path;
        try
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"{path}: cannot open: {e.Message}", e);
        }
        Length = RandomAccess.GetLength(_handle);
    }

    /// <summary>Throws unless [address, address+length) lies inside the file.</summary>
    public void CheckRange(long address, long length, string what)
    {
        if (address < 0 || length < 0 || address > Length || length > Length - address)
            throw new Hdf5FormatException($"{Path}: {what} at offset {address} (+{length} bytes) lies past the end of the file ({Length} bytes): truncated or corrupt");
    }

    /// <summary>Reads a structure of <paramref name="length"/> bytes at a relative (stored) address.</summary>
    public ByteCursor ReadBlock(long storedAddress, long length, string what)
    {
        long address = Absolute(storedAddress, what);
        if (length > 64 << 20) throw new Hdf5FormatException($"{Path}: {what} at offset {address} claims {length} bytes: corrupt");
        CheckRange(address, length, what);
        var buffer = new byte[length];
        ReadExactly(address, buffer);
        return new ByteCursor(this, buffer, address);
    }

    /// <summary>Reads at most <paramref name="length"/> bytes (fewer at the end of the file) — for structures whose size is only known after parsing.</summary>
    public ByteCursor ReadBlockUpTo(long storedAddress, long length, string what)
    {
        long address = Absolute(storedAddress, what);
        CheckRange(address, 1, what);
        long n = Math.Min(length, Length - address);
        var buffer = new byte[n];
        ReadExactly(address, buffer);
        return new ByteCursor(this, buffer, address);
    }

    /// <summary>Bulk read straight into the caller's buffer (tensor data): one large sequential read.</summary>
    public void ReadInto(long storedAddress, Span<byte> destination, string what)
    {
        long address = Absolute(storedAddress, what);
        CheckRange(address, destination.Length, what);
        ReadExactly(address, destination);
    }

    public long Absolute(long storedAddress, string what)
    {
        if (storedAddress < 0 || storedAddress > Length - BaseAddress)
            throw new Hdf5FormatException($"{Path}: {what} address {storedAddress} lies past the end of the file ({Length} bytes): truncated or corrupt");
        return storedAddress + BaseAddress;
    }

    private void ReadExactly(long address, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(_handle, destination, address);
            if (n <= 0) throw new Hdf5FormatException($"{Path}: unexpected end of file at offset {address}");
            destination = destination[n..];
            address += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}
