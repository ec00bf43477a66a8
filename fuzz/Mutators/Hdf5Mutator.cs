using System.Buffers.Binary;
using CnnEngine.Weights.Hdf5;

namespace CnnEngine.Fuzz.Mutators;

/// <summary>
/// Structure-aware HDF5 damage: picks one header message of one object (dataspace, datatype, layout, attribute,
/// link, filter pipeline, ...) and changes a field inside its body, then re-seals the version-2 object header's
/// lookup3 checksum — so the damage reaches the message parsers instead of stopping at the checksum.
/// </summary>
public sealed class Hdf5Mutator
{
    /// <summary>A message body in the file, and the checksummed span of the header holding it (Length 0: none).</summary>
    private sealed record MessageSpan(int Type, long BodyOffset, int BodyLength, long SealStart, int SealLength);

    private readonly Dictionary<string, MessageSpan[]> _spans = new();

    public Hdf5Mutator(IEnumerable<Seed> seeds, string scratchDirectory)
    {
        foreach (var seed in seeds)
        {
            string path = Path.Combine(scratchDirectory, "layout-" + Path.GetFileName(seed.Name));
            File.WriteAllBytes(path, seed.Bytes);
            try { _spans[seed.Name] = Walk(path, seed.Bytes); }
            catch (Exception e) when (e is CnnEngine.Weights.WeightsException) { _spans[seed.Name] = Array.Empty<MessageSpan>(); }
            finally { File.Delete(path); }
        }
    }

    /// <param name="preferType">Message type to pick when the seed has one (e.g. attributes for the Keras layer).</param>
    public byte[]? Mutate(Seed seed, Random rng, int? preferType = null)
    {
        if (!_spans.TryGetValue(seed.Name, out var spans) || spans.Length == 0) return null;
        var pool = preferType is int t && spans.Any(s => s.Type == t) && rng.Next(4) != 0 ? spans.Where(s => s.Type == t).ToArray() : spans;
        var span = pool[rng.Next(pool.Length)];
        var data = (byte[])seed.Bytes.Clone();
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            if (span.BodyLength == 0) break;
            int at = (int)span.BodyOffset + rng.Next(Math.Min(span.BodyLength, 64));
            switch (rng.Next(4))
            {
                case 0: data[at] = (byte)rng.Next(256); break;
                case 1: data[at] ^= (byte)(1 << rng.Next(8)); break;
                default: ByteMutator.WriteInteresting(data, at, rng); break;
            }
        }
        // Sometimes also the message's own size field (2 bytes before its flags), inside the sealed span.
        if (span.SealLength > 0 && rng.Next(5) == 0)
        {
            long sizeField = span.BodyOffset - 3;
            if (sizeField >= span.SealStart) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan((int)sizeField), (ushort)rng.Next(0, 0x10000));
        }
        if (span.SealLength > 0 && rng.Next(10) != 0) Reseal(data, span.SealStart, span.SealLength);
        return data;
    }

    private static void Reseal(byte[] data, long start, int length)
    {
        if (start + length + 4 > data.Length) return;
        uint sum = Lookup3.Hash(data.AsSpan((int)start, length));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan((int)(start + length)), sum);
    }

    private static MessageSpan[] Walk(string path, byte[] bytes)
    {
        var result = new List<MessageSpan>();
        using var file = Hdf5File.Open(path);
        var addresses = new List<long> { file.Root.HeaderAddress };
        var groups = new Queue<Hdf5Group>();
        groups.Enqueue(file.Root);
        var seen = new HashSet<long> { file.Root.HeaderAddress };
        while (groups.Count > 0)
        {
            var g = groups.Dequeue();
            foreach (var name in g.ChildNames)
            {
                var child = g.GetChild(name);
                if (child is null || !seen.Add(child.HeaderAddress)) continue;
                addresses.Add(child.HeaderAddress);
                if (child is Hdf5Group cg) groups.Enqueue(cg);
            }
        }
        foreach (long address in addresses)
        {
            var (sealStart, sealLength) = OhdrSeal(bytes, address);
            foreach (var m in ObjectHeader.Read(file.Source, address))
            {
                long body = m.Body.FileOffset;
                bool inSeal = sealLength > 0 && body >= sealStart && body < sealStart + sealLength;
                result.Add(new MessageSpan(m.Type, body, m.Body.Buffer.Length, inSeal ? sealStart : 0, inSeal ? sealLength : 0));
            }
        }
        return result.ToArray();
    }

    /// <summary>The bytes a version-2 object header's checksum covers (signature through its first chunk); (0, 0) for version 1.</summary>
    private static (long Start, int Length) OhdrSeal(byte[] bytes, long address)
    {
        if (address + 8 > bytes.Length || !bytes.AsSpan((int)address, 4).SequenceEqual("OHDR"u8)) return (0, 0);
        int p = (int)address + 5;
        int flags = bytes[p++];
        if ((flags & 0x20) != 0) p += 16;
        if ((flags & 0x10) != 0) p += 4;
        int width = 1 << (flags & 3);
        ulong chunk = 0;
        for (int i = width - 1; i >= 0; i--) chunk = (chunk << 8) | bytes[p + i];
        p += width;
        return (address, (int)(p - address + (long)chunk));
    }
}
