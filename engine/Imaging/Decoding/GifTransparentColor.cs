namespace CnnEngine.Imaging.Decoding;

/// <summary>
/// PIL opens a GIF as a palette image and its <c>convert('RGB')</c> shows the transparent index as that palette entry's
/// color; Skia writes those pixels as transparent (alpha 0). This finds the first frame's transparent color, so the
/// decoder can put it back where alpha is 0.
/// </summary>
internal static class GifTransparentColor
{
    /// <returns>The RGB of the first frame's transparent index, or null when it has none (or the file is too short to say).</returns>
    public static (byte R, byte G, byte B)? Find(ReadOnlySpan<byte> gif)
    {
        // header (6), logical screen descriptor (7): width, height, flags (bit 7 global table, bits 0-2 size), background, aspect
        if (gif.Length < 13) return null;
        int pos = 13;
        ReadOnlySpan<byte> globalTable = default;
        if ((gif[10] & 0x80) != 0)
        {
            int size = 3 << ((gif[10] & 7) + 1);
            if (pos + size > gif.Length) return null;
            globalTable = gif.Slice(pos, size);
            pos += size;
        }
        int? transparentIndex = null;
        while (pos < gif.Length)
        {
            byte block = gif[pos++];
            if (block == 0x21) // extension: label, then sub-blocks
            {
                if (pos >= gif.Length) return null;
                byte label = gif[pos++];
                // Graphic control extension: block size 4, flags (bit 0: transparency), delay (2), transparent index
                if (label == 0xF9 && pos + 5 <= gif.Length && gif[pos] == 4)
                    transparentIndex = (gif[pos + 1] & 1) != 0 ? gif[pos + 4] : null;
                while (pos < gif.Length && gif[pos] != 0) pos += 1 + gif[pos];
                pos++;
            }
            else if (block == 0x2C) // image descriptor: x, y, w, h (2 each), flags (bit 7 local table, bits 0-2 size)
            {
                if (transparentIndex is not int index || pos + 9 > gif.Length) return null;
                ReadOnlySpan<byte> table = globalTable;
                byte flags = gif[pos + 8];
                if ((flags & 0x80) != 0)
                {
                    int size = 3 << ((flags & 7) + 1);
                    if (pos + 9 + size > gif.Length) return null;
                    table = gif.Slice(pos + 9, size);
                }
                // An index past the table: PIL's palette there is black.
                return 3 * index + 2 < table.Length ? (table[3 * index], table[3 * index + 1], table[3 * index + 2]) : ((byte)0, (byte)0, (byte)0);
            }
            else
            {
                return null; // trailer or garbage before the first frame
            }
        }
        return null;
    }

    /// <summary>Paints <paramref name="color"/> into <paramref name="rgb"/> wherever <paramref name="rgba"/> is fully transparent.</summary>
    public static void Apply((byte R, byte G, byte B) color, ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            if (rgba[i + 3] != 0) continue;
            rgb[o] = color.R;
            rgb[o + 1] = color.G;
            rgb[o + 2] = color.B;
        }
    }
}
