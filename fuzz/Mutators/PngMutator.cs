using System.Buffers.Binary;

namespace CnnEngine.Fuzz.Mutators;

/// <summary>
/// Structure-aware PNG damage: splits the file into chunks and drops, repeats, reorders or edits one (IHDR sizes and
/// depths, the zlib header's flags — FDICT included — IDAT data, PLTE/tRNS lengths), then recomputes the CRC so the
/// chunk reaches the decoder.
/// </summary>
public static class PngMutator
{
    private sealed record Chunk(string Type, byte[] Data);

    public static byte[]? Mutate(byte[] png, Random rng)
    {
        var chunks = Split(png);
        if (chunks is null || chunks.Count == 0) return null;
        int i = rng.Next(chunks.Count);
        switch (rng.Next(7))
        {
            case 0: chunks.RemoveAt(i); break;
            case 1: chunks.Insert(i, chunks[i] with { Data = (byte[])chunks[i].Data.Clone() }); break;
            case 2:
            {
                int j = rng.Next(chunks.Count);
                (chunks[i], chunks[j]) = (chunks[j], chunks[i]);
                break;
            }
            case 3:
            {
                // IHDR: width, height, bit depth, colour type, interlace.
                var ihdr = chunks.FindIndex(c => c.Type == "IHDR");
                if (ihdr < 0 || chunks[ihdr].Data.Length < 13) goto default;
                var d = (byte[])chunks[ihdr].Data.Clone();
                int field = rng.Next(5);
                if (field < 2) ByteMutator.WriteInteresting(d, field * 4, rng);
                else d[8 + field - 2 + (field == 4 ? 2 : 0)] = (byte)(rng.Next(3) == 0 ? rng.Next(256) : new[] { 1, 2, 4, 8, 16, 0, 3, 6 }[rng.Next(8)]);
                chunks[ihdr] = chunks[ihdr] with { Data = d };
                break;
            }
            case 4:
            {
                // The zlib header at the start of the first IDAT: method, window, FDICT, level (kept a multiple of 31).
                var idat = chunks.FindIndex(c => c.Type == "IDAT");
                if (idat < 0 || chunks[idat].Data.Length < 2) goto default;
                var d = (byte[])chunks[idat].Data.Clone();
                int cmf = rng.Next(3) == 0 ? rng.Next(256) : 0x78;
                int flg = (rng.Next(4) << 6) | (rng.Next(2) << 5);   // level bits, FDICT bit
                flg += (31 - ((cmf << 8) | flg) % 31) % 31;           // FCHECK: 5 bits, below FDICT
                d[0] = (byte)cmf; d[1] = (byte)flg;
                chunks[idat] = chunks[idat] with { Data = d };
                break;
            }
            case 5:
            {
                // Truncate or extend a chunk's data.
                var d = chunks[i].Data;
                int n = rng.Next(2) == 0 ? rng.Next(d.Length + 1) : d.Length + 1 + rng.Next(64);
                var nd = new byte[n];
                Array.Copy(d, nd, Math.Min(n, d.Length));
                chunks[i] = chunks[i] with { Data = nd };
                break;
            }
            default:
            {
                var d = chunks[i].Data;
                if (d.Length == 0) break;
                var nd = (byte[])d.Clone();
                for (int k = 0, n = 1 + rng.Next(3); k < n; k++)
                {
                    int at = rng.Next(nd.Length);
                    if (rng.Next(2) == 0) nd[at] = (byte)rng.Next(256); else ByteMutator.WriteInteresting(nd, at, rng);
                }
                chunks[i] = chunks[i] with { Data = nd };
                break;
            }
        }
        return Join(chunks);
    }

    private static List<Chunk>? Split(byte[] png)
    {
        if (png.Length < 8) return null;
        var chunks = new List<Chunk>();
        int p = 8;
        while (p + 12 <= png.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(p));
            if (length > (uint)(png.Length - p - 12)) return chunks;
            string type = System.Text.Encoding.ASCII.GetString(png, p + 4, 4);
            chunks.Add(new Chunk(type, png.AsSpan(p + 8, (int)length).ToArray()));
            p += 12 + (int)length;
        }
        return chunks;
    }

    private static byte[] Join(List<Chunk> chunks)
    {
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        Span<byte> word = stackalloc byte[4];
        foreach (var c in chunks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)c.Data.Length);
            ms.Write(word);
            var typeAndData = new byte[4 + c.Data.Length];
            System.Text.Encoding.ASCII.GetBytes(c.Type, typeAndData);
            c.Data.CopyTo(typeAndData, 4);
            ms.Write(typeAndData);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typeAndData));
            ms.Write(word);
        }
        return ms.ToArray();
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The PNG chunk CRC (ISO 3309), kept here so the harness does not depend on the decoder it tests.</summary>
    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
