using System.Buffers.Binary;

namespace CnnEngine.Imaging.Headers;

/// <summary>PNG's IHDR (the first chunk after the signature), validated against the specification's legal color type / bit depth pairs.</summary>
internal static class PngHeaderReader
{
    /// <summary>Deflate's largest expansion: a 258-byte match coded in 2 bits, i.e. 1032 bytes out per byte in.</summary>
    public const long MaxDeflateRatio = 1032;

    public static HeaderFacts Read(ReadOnlySpan<byte> file, string name)
    {
        // signature (8), IHDR length (4) "IHDR" (4), 13 bytes of data, CRC (4)
        if (file.Length < 8 + 8 + 13 + 4) throw new CorruptImageException(name, $"PNG is truncated inside its header ({file.Length} bytes)");
        if (BinaryPrimitives.ReadUInt32BigEndian(file[8..]) != 13 || !file.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw new CorruptImageException(name, "PNG does not start with a 13-byte IHDR chunk");
        ReadOnlySpan<byte> ihdr = file.Slice(16, 13);
        uint width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        byte bitDepth = ihdr[8], colorType = ihdr[9], interlace = ihdr[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new CorruptImageException(name, $"PNG header has an invalid size {width}x{height}");
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        bool legal = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!legal) throw new CorruptImageException(name, $"PNG header has an illegal color type {colorType} with bit depth {bitDepth}");
        if (ihdr[10] != 0 || ihdr[11] != 0 || interlace > 1)
            throw new CorruptImageException(name, $"PNG header has unknown compression/filter/interlace methods ({ihdr[10]}, {ihdr[11]}, {interlace})");

        CheckChunksReachIend(file, name);

        // The filtered image data: one filter byte per row plus the packed samples (Adam7 passes add a few rows).
        long rowBytes = ((long)width * channels * bitDepth + 7) / 8;
        long filtered = (long)height * (1 + rowBytes);
        return new HeaderFacts(new ImageHeader(ImageFormat.Png, (int)width, (int)height))
        {
            // Interlaced: Skia keeps the whole picture at the file's depth while the passes arrive.
            CodecWorkingBytes = interlace == 1 ? (long)height * rowBytes : 2 * rowBytes,
            MinimumCompleteFileBytes = filtered / MaxDeflateRatio,
            MinimumReason = $"{filtered} bytes of image data, and deflate compresses at most {MaxDeflateRatio}:1",
        };
    }

    /// <summary>
    /// Follows the chunk lengths to IEND: a file cut anywhere (even after the last pixel) is refused, so a picture
    /// is whole or not at all. CRCs are libpng's job.
    /// </summary>
    private static void CheckChunksReachIend(ReadOnlySpan<byte> file, string name)
    {
        long pos = 8;
        while (true)
        {
            if (pos + 8 > file.Length) throw new CorruptImageException(name, $"PNG is truncated: the file ends at byte {file.Length}, before its IEND chunk");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[(int)pos..]);
            if (length > int.MaxValue) throw new CorruptImageException(name, $"PNG is corrupt: a chunk at byte {pos} declares {length} bytes");
            bool iend = file.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8);
            pos += 12L + length;
            if (pos > file.Length) throw new CorruptImageException(name, $"PNG is truncated: the file ends at byte {file.Length}, inside a chunk that needs {pos}");
            if (iend) return;
        }
    }
}
