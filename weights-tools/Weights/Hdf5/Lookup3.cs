using System.Numerics;

namespace CnnEngine.Weights.Hdf5;

/// <summary>
/// Bob Jenkins' lookup3 "hashlittle", the checksum HDF5 stores after version-2 structures (superblock 2/3,
/// object headers "OHDR"/"OCHK"). A mismatch means the structure is damaged.
/// </summary>
internal static class Lookup3
{
    public static uint Hash(ReadOnlySpan<byte> k, uint initval = 0)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeef + (uint)k.Length + initval;
        while (k.Length > 12)
        {
            a += k[0] + ((uint)k[1] << 8) + ((uint)k[2] << 16) + ((uint)k[3] << 24);
            b += k[4] + ((uint)k[5] << 8) + ((uint)k[6] << 16) + ((uint)k[7] << 24);
            c += k[8] + ((uint)k[9] << 8) + ((uint)k[10] << 16) + ((uint)k[11] << 24);
            a -= c; a ^= Rot(c, 4); c += b;
            b -= a; b ^= Rot(a, 6); a += c;
            c -= b; c ^= Rot(b, 8); b += a;
            a -= c; a ^= Rot(c, 16); c += b;
            b -= a; b ^= Rot(a, 19); a += c;
            c -= b; c ^= Rot(b, 4); b += a;
            k = k[12..];
        }
        if (k.Length == 0) return c;
        // The tail: up to 12 bytes added little-endian into a, b, c (the C original's fall-through switch).
        for (int i = k.Length - 1; i >= 0; i--)
        {
            uint v = (uint)k[i] << (8 * (i % 4));
            if (i >= 8) c += v; else if (i >= 4) b += v; else a += v;
        }
        c ^= b; c -= Rot(b, 14);
        a ^= c; a -= Rot(c, 11);
        b ^= a; b -= Rot(a, 25);
        c ^= b; c -= Rot(b, 16);
        a ^= c; a -= Rot(c, 4);
        b ^= a; b -= Rot(a, 14);
        c ^= b; c -= Rot(b, 24);
        return c;
    }

    private static uint Rot(uint x, int k) => BitOperations.RotateLeft(x, k);

    /// <summary>Throws when the 4 bytes after <paramref name="covered"/> are not its checksum.</summary>
    public static void Verify(Hdf5Source src, ReadOnlySpan<byte> covered, ReadOnlySpan<byte> stored, long fileOffset, string what)
    {
        uint expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(stored);
        if (Hash(covered) != expected)
            throw new Hdf5FormatException($"{src.Path}: {what} at offset {fileOffset} fails its checksum: corrupt");
    }
}
