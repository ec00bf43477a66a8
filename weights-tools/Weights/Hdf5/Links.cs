using System.Text;

namespace CnnEngine.Weights.Hdf5;

/// <summary>A hard link from a group to an object header.</summary>
internal readonly record struct Link(string Name, long ObjectHeader);

/// <summary>Link messages (new-style groups, compact or stored in a fractal heap). Only hard links are followed.</summary>
internal static class LinkMessage
{
    public static Link Parse(ByteCursor c)
    {
        int version = c.U8();
        if (version != 1) throw c.Unsupported($"link message version {version}");
        int flags = c.U8();
        int linkType = (flags & 0x08) != 0 ? c.U8() : 0;
        if ((flags & 0x04) != 0) c.Skip(8);     // creation order
        if ((flags & 0x10) != 0) c.Skip(1);     // name character set
        int nameLength = (int)c.UVar(1 << (flags & 3));
        if (nameLength <= 0 || nameLength > c.Remaining) throw c.Corrupt("link name length");
        string name = Encoding.UTF8.GetString(c.Bytes(nameLength));
        return linkType switch
        {
            0 => new Link(name, c.Address()),
            1 => throw c.Unsupported($"soft link \"{name}\""),
            64 => throw c.Unsupported($"external link \"{name}\""),
            _ => throw c.Unsupported($"link type {linkType} for \"{name}\""),
        };
    }
}

/// <summary>Old-style groups: a version 1 B-tree (node type 0) over symbol table nodes ("SNOD"), names in a local heap.</summary>
internal static class SymbolTableGroup
{
    public static List<Link> ReadLinks(Hdf5Source src, long btreeAddress, long localHeapAddress)
    {
        byte[] names = ReadLocalHeap(src, localHeapAddress);
        var links = new List<Link>();
        var visited = new HashSet<long>();
        foreach (long snod in BTreeV1.Children(src, btreeAddress, nodeType: 0, keySize: src.LengthSize, visited))
        {
            var head = src.ReadBlock(snod, 8, "symbol table node");
            head.ExpectSignature("SNOD", "symbol table node");
            int version = head.U8();
            if (version != 1) throw head.Unsupported($"symbol table node version {version}");
            head.Skip(1);
            int count = head.U16();
            int entrySize = 2 * src.OffsetSize + 24;
            var c = src.ReadBlock(snod + 8, (long)count * entrySize, "symbol table node");
            for (int i = 0; i < count; i++)
            {
                long nameOffset = (long)c.UVar(src.OffsetSize);
                long header = c.Address();
                c.Skip(24); // cache type, reserved, scratch pad
                if (nameOffset < 0 || nameOffset >= names.Length) throw c.Corrupt("symbol name offset past the local heap");
                int end = Array.IndexOf(names, (byte)0, (int)nameOffset);
                if (end < 0) throw c.Corrupt("unterminated symbol name");
                links.Add(new Link(Encoding.UTF8.GetString(names, (int)nameOffset, end - (int)nameOffset), header));
            }
        }
        return links;
    }

    private static byte[] ReadLocalHeap(Hdf5Source src, long address)
    {
        var c = src.ReadBlock(address, 8 + 2 * src.LengthSize + src.OffsetSize, "local heap");
        c.ExpectSignature("HEAP", "local heap");
        int version = c.U8();
        if (version != 0) throw c.Unsupported($"local heap version {version}");
        c.Skip(3);
        long size = c.Length();
        c.Length(); // free list head
        long data = c.Address();
        return src.ReadBlock(data, size, "local heap data").Buffer;
    }
}

/// <summary>Version 1 B-trees ("TREE"): group nodes (type 0) and chunk nodes (type 1). Cycles and bad levels are corruption.</summary>
internal static class BTreeV1
{
    private const int MaxDepth = 64;

    /// <summary>Leaf children (symbol table nodes / chunk addresses) in key order; for chunk trees use <see cref="Chunks"/>.</summary>
    public static List<long> Children(Hdf5Source src, long root, int nodeType, int keySize, HashSet<long> visited)
    {
        var result = new List<long>();
        Walk(src, root, nodeType, keySize, -1, 0, visited, (key, child) => result.Add(child));
        return result;
    }

    /// <summary>Walks a chunk B-tree: calls <paramref name="leaf"/> with the key (a cursor on it) and the chunk address.</summary>
    public static void Walk(Hdf5Source src, long address, int nodeType, int keySize, int expectedLevel, int depth,
        HashSet<long> visited, Action<ByteCursor, long> leaf)
    {
        if (!visited.Add(address))
            throw new Hdf5FormatException($"{src.Path}: cyclic B-tree: node at offset {src.Absolute(address, "B-tree node")} is reached twice: corrupt");
        if (depth > MaxDepth) throw new Hdf5FormatException($"{src.Path}: B-tree deeper than {MaxDepth} levels: corrupt");
        int o = src.OffsetSize;
        var head = src.ReadBlock(address, 8 + 2 * o, "B-tree node");
        head.ExpectSignature("TREE", "B-tree node");
        int type = head.U8();
        int level = head.U8();
        int entries = head.U16();
        if (type != nodeType) throw head.Corrupt($"B-tree node type {type}, expected {nodeType}");
        if (expectedLevel >= 0 && level != expectedLevel) throw head.Corrupt($"B-tree node level {level}, expected {expectedLevel}");
        var body = src.ReadBlock(address + 8 + 2 * o, (long)entries * (keySize + o) + keySize, "B-tree node");
        for (int i = 0; i < entries; i++)
        {
            var key = body.Slice(body.Position, keySize);
            body.Skip(keySize);
            long child = body.Address();
            if (level > 0) Walk(src, child, nodeType, keySize, level - 1, depth + 1, visited, leaf);
            else leaf(key, child);
        }
    }
}
