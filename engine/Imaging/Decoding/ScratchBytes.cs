using System.Buffers;

namespace CnnEngine.Imaging.Decoding;

/// <summary>
/// Byte buffers for one decode (the file's bytes, the codec's RGBA output), rented from the shared pool and given
/// back when the RGB image is made. A fresh buffer costs a page fault per 4 KB page on its first write (about 15 µs a
/// page on the benchmark VM, half of a 500×375 JPEG's decode time); a dataset scan decodes thousands of images.
/// Buffers over <see cref="MaxPooledBytes"/> (a 16-megapixel RGBA image) are plain arrays, so one huge image does not
/// stay resident in the pool.
/// </summary>
internal static class ScratchBytes
{
    public const int MaxPooledBytes = 64 << 20;

    /// <summary>An array of at least <paramref name="length"/> bytes; its contents are undefined.</summary>
    public static byte[] Rent(int length) =>
        length <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);

    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= MaxPooledBytes) ArrayPool<byte>.Shared.Return(buffer);
    }
}
