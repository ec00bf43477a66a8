using CnnEngine.Imaging.Png;
using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnEngine.Viz.Rendering;

/// <summary>
/// A minimal PNG encoder: 8-bit grayscale or RGB, non-interlaced, one IDAT chunk, per-row adaptive filters
/// (<see cref="PngRowFilter"/>), zlib from System.IO.Compression. Files are written to a temporary name
/// beside the target and renamed, so a reader never sees half a picture.
/// </summary>
public static class PngWriter
{
    private static readonly byte[] Signature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>Encodes pixels (H, W, channels) with channels 1 (gray) or 3 (RGB) into PNG bytes.</summary>
    /// <param name="forceFilter">Use this filter on every row instead of choosing adaptively (tests use it).</param>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels,
        CompressionLevel level = CompressionLevel.Fastest, PngFilter? forceFilter = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"PNG size must be positive, got {width}x{height}");
        if (channels != 1 && channels != 3) throw new ArgumentException($"PNG writer supports 1 or 3 channels, got {channels}");
        int stride = checked(width * channels);
        if (pixels.Length != (long)stride * height)
            throw new ArgumentException($"pixels has {pixels.Length} bytes, {width}x{height}x{channels} needs {(long)stride * height}");

        using var output = new MemoryStream(capacity: pixels.Length / 4 + 1024);
        output.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;                                // bit depth
        ihdr[9] = (byte)(channels == 3 ? 2 : 0);    // color type: 2 = truecolor, 0 = grayscale
        ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;   // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR", ihdr);

        byte[] idat = CompressRows(pixels, stride, height, channels, level, forceFilter);
        WriteChunk(output, "IDAT", idat);
        WriteChunk(output, "IEND", ReadOnlySpan<byte>.Empty);
        return output.ToArray();
    }

    /// <summary>Encodes and writes atomically (temp name in the same folder, then rename).</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels,
        CompressionLevel level = CompressionLevel.Fastest)
    {
        byte[] png = Encode(pixels, width, height, channels, level);
        AtomicFile.WriteAllBytes(path, png);
    }

    public static void Write(string path, RgbCanvas canvas, CompressionLevel level = CompressionLevel.Fastest) =>
        Write(path, canvas.Pixels, canvas.Width, canvas.Height, 3, level);

    private static byte[] CompressRows(ReadOnlySpan<byte> pixels, int stride, int height, int bpp,
        CompressionLevel level, PngFilter? forceFilter)
    {
        using var compressed = new MemoryStream(capacity: pixels.Length / 4 + 64);
        using (var zlib = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var zeros = new byte[stride];
            var line = new byte[stride + 1];   // filter type byte + filtered row
            var scratch = new byte[stride];
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
                ReadOnlySpan<byte> previous = y == 0 ? zeros : pixels.Slice((y - 1) * stride, stride);
                Span<byte> filtered = line.AsSpan(1);
                if (forceFilter is { } f)
                {
                    PngRowFilter.Apply(f, row, previous, bpp, filtered);
                    line[0] = (byte)f;
                }
                else
                {
                    line[0] = (byte)PngRowFilter.ChooseAndApply(row, previous, bpp, filtered, scratch);
                }
                zlib.Write(line);
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        for (int i = 0; i < 4; i++) header[4 + i] = (byte)type[i];
        output.Write(header);
        output.Write(data);
        uint crc = Crc32.Update(0xFFFFFFFFu, header[4..]);
        crc = Crc32.Update(crc, data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }
}
