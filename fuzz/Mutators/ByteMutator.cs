using System.Buffers.Binary;

namespace CnnEngine.Fuzz.Mutators;

/// <summary>Format-blind damage: flipped bits, random and boundary values, inserted, deleted and repeated runs, truncation.</summary>
public static class ByteMutator
{
    private static readonly ulong[] Interesting =
    {
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
        0x100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF,
    };

    public static byte[] Mutate(byte[] original, Random rng, int focus = 4096)
    {
        var data = new List<byte>(original);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && data.Count > 0; e++)
        {
            // Structure mostly lives near the start: aim there half of the time.
            int at = rng.Next(2) == 0 ? rng.Next(Math.Min(focus, data.Count)) : rng.Next(data.Count);
            switch (rng.Next(8))
            {
                case 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: data[at] = (byte)rng.Next(256); break;
                case 2: WriteInteresting(data, at, rng); break;
                case 3: data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(16))); break;
                case 4: data.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256))); break;
                case 5:
                {
                    int len = Math.Min(data.Count - at, 1 + rng.Next(64));
                    var run = data.GetRange(at, len);
                    data.InsertRange(Math.Min(data.Count, at + len), run);
                    break;
                }
                case 6: data.RemoveRange(at, data.Count - at); break; // truncate
                default: data[at] = (byte)(data[at] + rng.Next(-2, 3)); break;
            }
        }
        return data.ToArray();
    }

    /// <summary>A boundary value (0, max, sign bit, ±1 around powers of two) of 1, 2, 4 or 8 bytes, little-endian.</summary>
    public static void WriteInteresting(IList<byte> data, int at, Random rng)
    {
        int width = 1 << rng.Next(4);
        ulong v = Interesting[rng.Next(Interesting.Length)];
        if (rng.Next(4) == 0) v += (ulong)rng.Next(-1, 2);
        Span<byte> b = stackalloc byte[8];
        if (rng.Next(2) == 0) BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        else BinaryPrimitives.WriteUInt64BigEndian(b, v << (8 * (8 - width)));
        for (int i = 0; i < width && at + i < data.Count; i++) data[at + i] = b[i];
    }

    public static void WriteInteresting(byte[] data, int at, Random rng) => WriteInteresting((IList<byte>)data, at, rng);
}
