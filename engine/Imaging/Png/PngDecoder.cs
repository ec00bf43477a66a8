using System.IO.Compression;

namespace CnnEngine.Imaging.Png;

/// <summary>
/// A managed PNG decoder on the runtime's zlib (<see cref="ZLibStream"/>): every color type and bit depth, PLTE,
/// Adam7 interlace, the five filters, CRC-checked chunks, IDAT split across chunks. Output is RGB as PIL's
/// <c>convert('RGB')</c> gives it (see <see cref="PngToRgb"/>). Anything truncated or inconsistent throws
/// <see cref="CorruptImageException"/>: a picture is returned whole or not at all.
/// </summary>
internal static class PngDecoder
{
    public static RgbImage Decode(ReadOnlySpan<byte> file, string name)
    {
        var chunks = new PngChunkReader(file, name);
        PngChunk first = chunks.Next();
        if (first.Type != ChunkTypes.IHDR)
            throw new CorruptImageException(name, $"PNG does not start with an IHDR chunk (found {first.TypeName})");
        PngHeader header = PngHeader.Parse(first.Data, name);
        // Refuse oversized pictures from the header alone, before reading or allocating anything else.
        ImageLoader.CheckSize(header.Width, header.Height, name, "PNG");

        byte[]? palette = null;
        var idat = new MemoryStream();
        bool idatSeen = false, idatEnded = false;
        while (true)
        {
            PngChunk chunk = chunks.Next();
            if (chunk.Type == ChunkTypes.IEND) break;
            if (chunk.Type == ChunkTypes.IDAT)
            {
                if (idatEnded) throw new CorruptImageException(name, $"PNG is corrupt: IDAT chunks are not consecutive (another IDAT at byte {chunk.Offset})");
                idatSeen = true;
                idat.Write(chunk.Data);
                continue;
            }
            if (idatSeen) idatEnded = true;
            if (chunk.Type == ChunkTypes.IHDR) throw new CorruptImageException(name, $"PNG is corrupt: a second IHDR chunk at byte {chunk.Offset}");
            if (chunk.Type == ChunkTypes.PLTE)
            {
                if (palette is not null) throw new CorruptImageException(name, "PNG is corrupt: more than one PLTE chunk");
                if (idatSeen) throw new CorruptImageException(name, "PNG is corrupt: PLTE chunk after the image data");
                if (chunk.Data.Length == 0 || chunk.Data.Length % 3 != 0 || chunk.Data.Length > 256 * 3)
                    throw new CorruptImageException(name, $"PNG is corrupt: PLTE chunk is {chunk.Data.Length} bytes (must be 3..768, a multiple of 3)");
                palette = PngToRgb.BuildPalette(chunk.Data);
            }
            // Every other chunk (tRNS, gAMA, text, unknown ones) leaves convert('RGB') unchanged in PIL: skipped.
        }
        if (!idatSeen) throw new CorruptImageException(name, "PNG has no IDAT (image data) chunk");
        if (header.ColorType == PngColorType.Palette && palette is null)
            throw new CorruptImageException(name, "PNG is a palette image without a PLTE chunk");

        idat.Position = 0;
        return DecodePixels(header, idat, palette ?? [], name);
    }

    private static RgbImage DecodePixels(PngHeader header, Stream compressed, ReadOnlySpan<byte> palette, string name)
    {
        int width = header.Width, height = header.Height;
        var image = new RgbImage(width, height);
        Span<byte> pixels = image.Pixels; // (H, W, 3)
        int maxRowBytes = checked((int)header.RowBytes(width));
        var current = new byte[maxRowBytes + 1];  // filter byte + (rowBytes)
        var previous = new byte[maxRowBytes + 1];
        int bpp = header.FilterStride;

        using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
        try
        {
            foreach (InterlacePass pass in header.Interlaced ? InterlacePass.Adam7 : InterlacePass.Whole)
            {
                int columns = pass.Columns(width), rows = pass.Rows(height);
                if (columns == 0 || rows == 0) continue; // small images leave some Adam7 passes empty
                int rowBytes = (int)header.RowBytes(columns);
                Array.Clear(previous, 0, rowBytes + 1);
                for (int r = 0; r < rows; r++)
                {
                    inflater.ReadExactly(current, 0, rowBytes + 1);
                    if (!PngUnfilter.Apply(current[0], current.AsSpan(1, rowBytes), previous.AsSpan(1, rowBytes), bpp))
                        throw new CorruptImageException(name, $"PNG is corrupt: unknown filter type {current[0]} in row {pass.Y0 + r * pass.DY}");
                    int y = pass.Y0 + r * pass.DY;
                    PngToRgb.ConvertRow(current.AsSpan(1, rowBytes), columns, pixels[((y * width + pass.X0) * 3)..], 3 * pass.DX, header, palette);
                    (current, previous) = (previous, current);
                }
            }
            // Read on so zlib reaches its end and checks the Adler-32. Extra data after the pixels is ignored, as PIL
            // does; the cap keeps a stream padded with gigabytes of zeros from costing time.
            Span<byte> rest = stackalloc byte[4096];
            for (int drained = 0, n; drained < 1 << 20 && (n = inflater.Read(rest)) > 0; drained += n) { }
        }
        catch (EndOfStreamException e)
        {
            throw new CorruptImageException(name, "PNG is truncated: the compressed image data ends before the last row", e);
        }
        catch (InvalidDataException e)
        {
            // The runtime's messages for bad zlib data are misleading ("unsupported compression method"): not shown.
            throw new CorruptImageException(name, "PNG is corrupt: the compressed image data is invalid (zlib stream or its Adler-32 checksum)", e);
        }
        return image;
    }
}
