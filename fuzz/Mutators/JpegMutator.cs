using System.Buffers.Binary;

namespace CnnEngine.Fuzz.Mutators;

/// <summary>
/// Structure-aware JPEG damage: splits the file into marker segments (entropy-coded data kept with its SOS) and drops,
/// repeats (a progressive scan many times over), reorders or edits one (SOF sizes and sampling, DHT/DQT tables,
/// segment lengths, restart intervals).
/// </summary>
public static class JpegMutator
{
    private sealed record Segment(byte Marker, byte[] Bytes);   // Bytes: the whole segment, marker included

    public static byte[]? Mutate(byte[] jpeg, Random rng)
    {
        var segments = Split(jpeg);
        if (segments is null || segments.Count < 3) return null;
        // Keep SOI first; edit among the rest.
        int i = 1 + rng.Next(segments.Count - 1);
        switch (rng.Next(6))
        {
            case 0: segments.RemoveAt(i); break;
            case 1:
            {
                // Repeat a segment, a scan (SOS + data) most usefully: up to a few hundred times.
                int sos = segments.FindLastIndex(s => s.Marker == 0xDA);
                int which = sos > 0 && rng.Next(2) == 0 ? sos : i;
                int times = rng.Next(3) == 0 ? 1 + rng.Next(400) : 1 + rng.Next(3);
                for (int t = 0; t < times; t++) segments.Insert(which, segments[which]);
                break;
            }
            case 2:
            {
                int j = 1 + rng.Next(segments.Count - 1);
                (segments[i], segments[j]) = (segments[j], segments[i]);
                break;
            }
            case 3:
            {
                // SOF: precision, height, width, components, sampling factors, table ids.
                int sof = segments.FindIndex(s => s.Marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC);
                if (sof < 0 || segments[sof].Bytes.Length < 10) goto default;
                var b = (byte[])segments[sof].Bytes.Clone();
                int at = 4 + rng.Next(b.Length - 4);
                if (at is 5 or 7 && rng.Next(2) == 0) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), (ushort)new[] { 0, 1, 8, 0xFFFF, 0x8000, 8000, 65500 }[rng.Next(7)]);
                else b[at] = (byte)(rng.Next(2) == 0 ? rng.Next(256) : new[] { 0, 1, 2, 3, 4, 0x11, 0x22, 0x44, 0xFF }[rng.Next(9)]);
                segments[sof] = segments[sof] with { Bytes = b };
                break;
            }
            case 4:
            {
                // A segment's length field.
                var b = (byte[])segments[i].Bytes.Clone();
                if (b.Length < 4) goto default;
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)(rng.Next(2) == 0 ? rng.Next(0x10000) : b.Length - 2 + rng.Next(-3, 4)));
                segments[i] = segments[i] with { Bytes = b };
                break;
            }
            default:
            {
                var b = (byte[])segments[i].Bytes.Clone();
                if (b.Length <= 2) break;
                for (int k = 0, n = 1 + rng.Next(3); k < n; k++)
                {
                    int at = 2 + rng.Next(Math.Min(b.Length - 2, 256));
                    if (rng.Next(2) == 0) b[at] = (byte)rng.Next(256); else ByteMutator.WriteInteresting(b, at, rng);
                }
                segments[i] = segments[i] with { Bytes = b };
                break;
            }
        }
        return segments.SelectMany(s => s.Bytes).ToArray();
    }

    private static List<Segment>? Split(byte[] jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return null;
        var segments = new List<Segment> { new(0xD8, new byte[] { 0xFF, 0xD8 }) };
        int p = 2;
        while (p + 4 <= jpeg.Length)
        {
            if (jpeg[p] != 0xFF) return segments;
            byte marker = jpeg[p + 1];
            if (marker == 0xD9) { segments.Add(new Segment(marker, new byte[] { 0xFF, 0xD9 })); break; }
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(p + 2));
            int end = p + 2 + length;
            if (length < 2 || end > jpeg.Length) return segments;
            if (marker == 0xDA)
            {
                // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart marker.
                while (end + 1 < jpeg.Length && !(jpeg[end] == 0xFF && jpeg[end + 1] != 0 && jpeg[end + 1] is < 0xD0 or > 0xD7)) end++;
            }
            segments.Add(new Segment(marker, jpeg.AsSpan(p, end - p).ToArray()));
            p = end;
        }
        return segments;
    }
}
