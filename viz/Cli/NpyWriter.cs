using System.Text;
using CnnEngine.Tensors;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Writes .npy files (format 1.0, little-endian, C order) that numpy.load reads back exactly.
/// Every file is written under a temporary name and renamed, so a reader never sees half a file.
/// </summary>
public static class NpyWriter
{
    public static void Write(string path, Tensor tensor) =>
        Write(path, "<f4", tensor.Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));

    public static void Write(string path, IntTensor tensor) =>
        Write(path, "<i4", tensor.Shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));

    public static void Write(string path, float[] data, params int[] shape) =>
        Write(path, "<f4", shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));

    public static void Write(string path, int[] data, params int[] shape) =>
        Write(path, "<i4", shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));

    public static void Write(string path, string dtype, int[] shape, ReadOnlySpan<byte> data)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("npy writer assumes a little-endian machine");
        string temp = path + ".tmp-" + Environment.ProcessId;
        using var pending = CnnEngine.Weights.PendingOutputs.Track(temp, isFolder: false);   // an interrupt removes it
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                stream.Write(Header(dtype, shape));
                stream.Write(data);
            }
            CnnEngine.Weights.PendingOutputs.Complete(pending, () => File.Move(temp, path, overwrite: true));
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Magic, version 1.0, header length, then the dict padded with spaces so the data starts 64-byte aligned.</summary>
    private static byte[] Header(string dtype, int[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        dict = dict.PadRight(padded - 10 - 1) + "\n";
        var header = new byte[10 + dict.Length];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", 0, 5, header, 1);
        header[6] = 1; header[7] = 0;
        BitConverter.TryWriteBytes(header.AsSpan(8, 2), (ushort)dict.Length);
        Encoding.ASCII.GetBytes(dict, 0, dict.Length, header, 10);
        return header;
    }
}
