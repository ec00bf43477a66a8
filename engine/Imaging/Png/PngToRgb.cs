namespace CnnEngine.Imaging.Png;

/// <summary>
/// Turns one unfiltered PNG row into RGB the way PIL 9.4 does it: PngImagePlugin's raw mode, then
/// <c>convert('RGB')</c>:
/// <list type="bullet">
/// <item>gray 1/2/4 bits: scaled to 0..255 (×255, ×85, ×17); gray 8: as is; replicated to R=G=B;</item>
/// <item>gray 16 bits: PIL opens it as mode "I" (0..65535) and I→RGB <b>clamps</b> to 255 (not the high byte);</item>
/// <item>RGB, gray+alpha, RGBA 16 bits: PIL's ";16B" raw modes keep the high byte of each sample;</item>
/// <item>alpha is dropped without compositing; tRNS changes nothing in RGB;</item>
/// <item>palette: indices past the PLTE entries read PIL's default palette, a gray ramp (i, i, i).</item>
/// </list>
/// </summary>
internal static class PngToRgb
{
    /// <summary>A 256-entry (256, 3) palette: PIL's gray ramp overwritten by the PLTE entries.</summary>
    public static byte[] BuildPalette(ReadOnlySpan<byte> plte)
    {
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++) palette[3 * i] = palette[3 * i + 1] = palette[3 * i + 2] = (byte)i;
        plte[..Math.Min(plte.Length, palette.Length)].CopyTo(palette);
        return palette;
    }

    /// <param name="row">Unfiltered row bytes, (RowBytes(count)).</param>
    /// <param name="count">Pixels in this row.</param>
    /// <param name="dst">RGB output starting at the row's first pixel.</param>
    /// <param name="step">Bytes between consecutive output pixels (3, or 3·DX for an interlace pass).</param>
    /// <param name="palette">(256, 3) from <see cref="BuildPalette"/>; used for palette images only.</param>
    public static void ConvertRow(ReadOnlySpan<byte> row, int count, Span<byte> dst, int step, PngHeader header, ReadOnlySpan<byte> palette)
    {
        int depth = header.BitDepth;
        switch (header.ColorType)
        {
            case PngColorType.Gray when depth < 8:
            {
                int scale = 255 / ((1 << depth) - 1);
                for (int i = 0, o = 0; i < count; i++, o += step)
                {
                    byte v = (byte)(SubByteSample(row, i, depth) * scale);
                    dst[o] = dst[o + 1] = dst[o + 2] = v;
                }
                break;
            }
            case PngColorType.Palette:
                for (int i = 0, o = 0; i < count; i++, o += step)
                {
                    int index = depth == 8 ? row[i] : SubByteSample(row, i, depth);
                    dst[o] = palette[3 * index];
                    dst[o + 1] = palette[3 * index + 1];
                    dst[o + 2] = palette[3 * index + 2];
                }
                break;
            case PngColorType.Gray when depth == 8:
                for (int i = 0, o = 0; i < count; i++, o += step) dst[o] = dst[o + 1] = dst[o + 2] = row[i];
                break;
            case PngColorType.Gray: // 16 bits: mode "I", then a clamp to 0..255
                for (int i = 0, o = 0; i < count; i++, o += step)
                {
                    int v = (row[2 * i] << 8) | row[2 * i + 1];
                    dst[o] = dst[o + 1] = dst[o + 2] = (byte)Math.Min(v, 255);
                }
                break;
            case PngColorType.GrayAlpha:
            {
                int stride = 2 * (depth / 8); // gray's high (or only) byte comes first
                for (int i = 0, o = 0; i < count; i++, o += step) dst[o] = dst[o + 1] = dst[o + 2] = row[i * stride];
                break;
            }
            case PngColorType.Rgb when depth == 8:
                if (step == 3) row[..(3 * count)].CopyTo(dst);
                else for (int i = 0, o = 0; i < count; i++, o += step) { dst[o] = row[3 * i]; dst[o + 1] = row[3 * i + 1]; dst[o + 2] = row[3 * i + 2]; }
                break;
            default: // RGB 16, RGBA 8, RGBA 16: take the first (high) byte of R, G, B
            {
                int bytesPerSample = depth / 8;
                int stride = header.Channels * bytesPerSample;
                for (int i = 0, o = 0; i < count; i++, o += step)
                {
                    int s = i * stride;
                    dst[o] = row[s];
                    dst[o + 1] = row[s + bytesPerSample];
                    dst[o + 2] = row[s + 2 * bytesPerSample];
                }
                break;
            }
        }
    }

    /// <summary>Sample <paramref name="i"/> of a row packed at 1, 2 or 4 bits, most significant bits first.</summary>
    private static int SubByteSample(ReadOnlySpan<byte> row, int i, int depth)
    {
        int bit = i * depth;
        return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }
}
