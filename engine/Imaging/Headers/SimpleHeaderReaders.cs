using System.Buffers.Binary;

namespace CnnEngine.Imaging.Headers;

/// <summary>The picture size of GIF, BMP and WebP files, from their fixed headers (no pixel data is read).</summary>
internal static class SimpleHeaderReaders
{
    public static HeaderFacts Gif(ReadOnlySpan<byte> file, string name)
    {
        // "GIF89a", logical screen width (2, LE), height (2, LE)
        if (file.Length < 13) throw new CorruptImageException(name, $"GIF is truncated inside its header ({file.Length} bytes)");
        int width = BinaryPrimitives.ReadUInt16LittleEndian(file[6..]), height = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
        if (width == 0 || height == 0) throw new CorruptImageException(name, $"GIF header has an invalid size {width}x{height}");
        CheckFirstFrameIsWhole(file, name);
        return new HeaderFacts(new ImageHeader(ImageFormat.Gif, width, height)) { CodecWorkingBytes = (long)width * height };
    }

    /// <summary>
    /// Follows the blocks up to the end of the first frame's image data: Skia shows a cut frame with its missing rows
    /// transparent, so a cut is refused here. (Later frames are never decoded; a file cut after the first frame still
    /// gives that frame whole, as PIL's Image.open does.)
    /// </summary>
    private static void CheckFirstFrameIsWhole(ReadOnlySpan<byte> file, string name)
    {
        long pos = 13;
        if ((file[10] & 0x80) != 0) pos += 3 << ((file[10] & 7) + 1); // global color table
        while (true)
        {
            if (pos >= file.Length) throw new CorruptImageException(name, "GIF is truncated: the file ends before its first frame");
            byte block = file[(int)pos++];
            if (block == 0x21) // extension: label, sub-blocks
            {
                pos = SkipSubBlocks(file, pos + 1, name);
            }
            else if (block == 0x2C) // image descriptor (9 bytes), local color table, LZW code size, sub-blocks
            {
                if (pos + 9 > file.Length) throw new CorruptImageException(name, "GIF is truncated inside its first frame's descriptor");
                byte flags = file[(int)pos + 8];
                pos += 9;
                if ((flags & 0x80) != 0) pos += 3 << ((flags & 7) + 1);
                SkipSubBlocks(file, pos + 1, name);
                return;
            }
            else
            {
                throw new CorruptImageException(name, $"GIF is corrupt: block type 0x{block:X2} at byte {pos - 1} before its first frame");
            }
        }
    }

    /// <summary>Returns the position after a chain of sub-blocks (each a length byte and data; a 0 length ends it).</summary>
    private static long SkipSubBlocks(ReadOnlySpan<byte> file, long pos, string name)
    {
        while (true)
        {
            if (pos >= file.Length) throw new CorruptImageException(name, "GIF is truncated: the file ends inside its first frame");
            byte length = file[(int)pos];
            pos += 1 + length;
            if (length == 0) return pos;
        }
    }

    public static HeaderFacts Bmp(ReadOnlySpan<byte> file, string name)
    {
        // BITMAPFILEHEADER (14) then the info header: size (4), and for every version but OS/2 1.x width and height as int32.
        if (file.Length < 26) throw new CorruptImageException(name, $"BMP is truncated inside its header ({file.Length} bytes)");
        uint infoSize = BinaryPrimitives.ReadUInt32LittleEndian(file[14..]);
        long width, height;
        if (infoSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(file[20..]);
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(file[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(file[22..])); // negative: rows top-down
        }
        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
            throw new CorruptImageException(name, $"BMP header has an invalid size {width}x{height}");
        // Compressed (RLE) pixel data: Skia leaves what a cut stream lacks transparent, so its declared size must be there.
        // (Uncompressed data is checked by Skia itself, row by row.)
        uint dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        if (infoSize >= 40 && file.Length >= 38)
        {
            uint compression = BinaryPrimitives.ReadUInt32LittleEndian(file[30..]);
            uint imageBytes = BinaryPrimitives.ReadUInt32LittleEndian(file[34..]);
            if (compression is 1 or 2 && (long)dataOffset + imageBytes > file.Length)
                throw new CorruptImageException(name, $"BMP is truncated: its RLE data needs {(long)dataOffset + imageBytes} bytes, the file has {file.Length}");
        }
        return new HeaderFacts(new ImageHeader(ImageFormat.Bmp, (int)width, (int)height));
    }

    public static HeaderFacts WebP(ReadOnlySpan<byte> file, string name)
    {
        // "RIFF" size "WEBP", then the first chunk: VP8X (extended), VP8L (lossless) or "VP8 " (lossy).
        if (file.Length < 30) throw new CorruptImageException(name, $"WebP is truncated inside its header ({file.Length} bytes)");
        ReadOnlySpan<byte> fourcc = file.Slice(12, 4), body = file[20..];
        int width, height;
        if (fourcc.SequenceEqual("VP8X"u8))
        {
            width = 1 + (body[4] | body[5] << 8 | body[6] << 16);
            height = 1 + (body[7] | body[8] << 8 | body[9] << 16);
        }
        else if (fourcc.SequenceEqual("VP8L"u8))
        {
            if (body[0] != 0x2F) throw new CorruptImageException(name, "WebP lossless header has a wrong signature byte");
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(body[1..]);
            width = 1 + (int)(bits & 0x3FFF);
            height = 1 + (int)((bits >> 14) & 0x3FFF);
        }
        else if (fourcc.SequenceEqual("VP8 "u8))
        {
            // frame tag (3), start code 9D 01 2A, then 14-bit width and height (2 scale bits each)
            if (body[3] != 0x9D || body[4] != 0x01 || body[5] != 0x2A) throw new CorruptImageException(name, "WebP lossy header has a wrong start code");
            width = BinaryPrimitives.ReadUInt16LittleEndian(body[6..]) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(body[8..]) & 0x3FFF;
        }
        else
        {
            throw new CorruptImageException(name, $"WebP has an unknown first chunk '{System.Text.Encoding.ASCII.GetString(fourcc)}'");
        }
        if (width == 0 || height == 0) throw new CorruptImageException(name, $"WebP header has an invalid size {width}x{height}");
        // The RIFF size covers the whole file: libwebp would decode a cut lossy picture with its last rows missing.
        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        if (riffEnd > file.Length)
            throw new CorruptImageException(name, $"WebP is truncated: its RIFF header says {riffEnd} bytes, the file has {file.Length}");
        return new HeaderFacts(new ImageHeader(ImageFormat.WebP, width, height));
    }
}
