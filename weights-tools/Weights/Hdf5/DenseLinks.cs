namespace CnnEngine.Weights.Hdf5;

/// <summary>
/// Dense link storage (new-style groups with many links): link messages stored as objects of a fractal heap,
/// found through the name-index version 2 B-tree (record type 5: name hash + heap ID).
/// </summary>
internal static class DenseLinks
{
    public static List<Link> ReadLinks(Hdf5Source src, long fractalHeapAddress, long nameIndexAddress)
    {
        var heap = new FractalHeap(src, fractalHeapAddress);
        var links = new List<Link>();
        foreach (var record in BTreeV2.Records(src, nameIndexAddress, expectedType: 5))
        {
            // Type 5 record: 4-byte name hash, then the heap ID.
            var id = record.Slice(4, record.Buffer.Length - 4);
            links.Add(LinkMessage.Parse(heap.Read(id)));
        }
        return links;
    }
}

/// <summary>Version 2 B-trees ("BTHD"/"BTIN"/"BTLF"): enumerates all records of depth 0 and 1 trees.</summary>
internal static class BTreeV2
{
    public static List<ByteCursor> Records(Hdf5Source src, long headerAddress, int expectedType)
    {
        int o = src.OffsetSize, l = src.LengthSize;
        var h = src.ReadBlock(headerAddress, 4 + 2 + 4 + 2 + 2 + 2 + o + 2 + l + 4, "v2 B-tree header");
        h.ExpectSignature("BTHD", "v2 B-tree header");
        int version = h.U8();
        if (version != 0) throw h.Unsupported($"v2 B-tree version {version}");
        int type = h.U8();
        if (type != expectedType) throw h.Corrupt($"v2 B-tree type {type}, expected {expectedType}");
        long nodeSize = h.U32();
        int recordSize = h.U16();
        int depth = h.U16();
        h.Skip(2); // split / merge percentages
        long root = h.Address();
        int rootRecords = h.U16();
        h.Length(); // total records
        if (recordSize < 1 || nodeSize < 16 || nodeSize > 1 << 24) throw h.Corrupt("v2 B-tree node size");
        var records = new List<ByteCursor>();
        if (!Hdf5Address.IsDefined(root) || rootRecords == 0) return records;
        if (depth == 0) { ReadLeaf(src, root, type, recordSize, rootRecords, records); return records; }
        if (depth > 1) throw new UnsupportedHdf5FeatureException($"v2 B-tree of depth {depth}", src.Absolute(headerAddress, "v2 B-tree"));
        // Depth 1: the root is an internal node; each child pointer carries its leaf's record count in as many bytes
        // as the largest leaf count needs.
        long maxLeafRecords = (nodeSize - 10) / recordSize;
        int countBytes = BytesFor(maxLeafRecords);
        var n = src.ReadBlock(root, nodeSize, "v2 B-tree internal node");
        n.ExpectSignature("BTIN", "v2 B-tree internal node");
        n.Skip(2);
        var keys = new List<ByteCursor>();
        for (int i = 0; i < rootRecords; i++) { keys.Add(n.Slice(n.Position, recordSize)); n.Skip(recordSize); }
        var visited = new HashSet<long>();
        for (int i = 0; i <= rootRecords; i++)
        {
            long child = n.Address();
            int count = (int)n.UVar(countBytes);
            if (!visited.Add(child)) throw n.Corrupt("cyclic v2 B-tree");
            ReadLeaf(src, child, type, recordSize, count, records);
            if (i < rootRecords) records.Add(keys[i]);
        }
        return records;
    }

    private static void ReadLeaf(Hdf5Source src, long address, int type, int recordSize, int count, List<ByteCursor> records)
    {
        var c = src.ReadBlock(address, 6 + (long)recordSize * count, "v2 B-tree leaf");
        c.ExpectSignature("BTLF", "v2 B-tree leaf");
        c.U8();
        if (c.U8() != type) throw c.Corrupt("v2 B-tree leaf type");
        for (int i = 0; i < count; i++) { records.Add(c.Slice(c.Position, recordSize)); c.Skip(recordSize); }
    }

    private static int BytesFor(long value)
    {
        int n = 1;
        while (n < 8 && value >= 1L << (8 * n)) n++;
        return n;
    }
}

/// <summary>Fractal heaps ("FRHP"): managed objects in direct blocks reached through a doubling table of indirect blocks; tiny objects inline in the ID.</summary>
internal sealed class FractalHeap
{
    private readonly Hdf5Source _src;
    private readonly long _address;
    private readonly int _tableWidth;
    private readonly long _startBlockSize, _maxDirectBlockSize;
    private readonly int _maxHeapBits, _offsetBytes, _lengthBytes;
    private readonly long _root;
    private readonly int _rootRows;
    private readonly bool _checksummedDirect;
    private readonly List<(long HeapOffset, long Address, long Size)> _directBlocks = new();

    public FractalHeap(Hdf5Source src, long address)
    {
        _src = src; _address = address;
        int o = src.OffsetSize, l = src.LengthSize;
        var h = src.ReadBlock(address, 4 + 1 + 2 + 2 + 1 + 4 + 12 * l + 3 * o + 2 + 2 + 2 + 2 + 2 + o + 2, "fractal heap header");
        h.ExpectSignature("FRHP", "fractal heap header");
        int version = h.U8();
        if (version != 0) throw h.Unsupported($"fractal heap version {version}");
        h.U16(); // heap ID length
        int filterLength = h.U16();
        if (filterLength != 0) throw h.Unsupported("filtered fractal heap");
        int flags = h.U8();
        _checksummedDirect = (flags & 0x02) != 0;
        long maxManaged = h.U32();
        h.Length();      // next huge ID
        h.Address();     // huge object B-tree
        h.Length();      // free space
        h.Address();     // free space manager
        h.Length(); h.Length(); h.Length(); h.Length(); // managed space, allocated, iterator offset, managed objects
        h.Length(); h.Length(); h.Length(); h.Length(); // huge size/count, tiny size/count
        _tableWidth = h.U16();
        _startBlockSize = h.Length();
        _maxDirectBlockSize = h.Length();
        _maxHeapBits = h.U16();
        h.U16();         // starting rows of root indirect block
        _root = h.Address();
        _rootRows = h.U16();
        if (_tableWidth is < 1 or > 65536 || _startBlockSize < 16 || _maxDirectBlockSize < _startBlockSize
            || _maxDirectBlockSize > 1L << 32 || _maxHeapBits is < 8 or > 64 || !IsPowerOfTwo(_startBlockSize) || !IsPowerOfTwo(_maxDirectBlockSize))
            throw h.Corrupt("fractal heap doubling table");
        _offsetBytes = (_maxHeapBits + 7) / 8;
        // As the library computes it: bytes for log2(max direct block size) bits, or for the largest managed object.
        _lengthBytes = Math.Min((BitLength(_maxDirectBlockSize) - 1 + 7) / 8, (BitLength(Math.Max(1, maxManaged)) - 1) / 8 + 1);
        if (!Hdf5Address.IsDefined(_root)) return;
        if (_rootRows == 0) _directBlocks.Add((0, _root, _startBlockSize));
        else CollectIndirect(_root, 0, _rootRows, depth: 0, new HashSet<long>());
    }

    public ByteCursor Read(ByteCursor id)
    {
        int first = id.U8();
        int version = first >> 6, type = (first >> 4) & 3;
        if (version != 0) throw id.Unsupported($"fractal heap ID version {version}");
        if (type == 2)
        {
            int length = (first & 0x0f) + 1;
            return id.Slice(id.Position, length);
        }
        if (type == 1) throw id.Unsupported("huge fractal heap object");
        if (type != 0) throw id.Corrupt($"fractal heap ID type {type}");
        long offset = (long)id.UVar(_offsetBytes);
        long size = (long)id.UVar(_lengthBytes);
        foreach (var (heapOffset, blockAddress, blockSize) in _directBlocks)
        {
            if (offset < heapOffset || offset >= heapOffset + blockSize) continue;
            if (size <= 0 || offset + size > heapOffset + blockSize) throw id.Corrupt("fractal heap object crosses its block");
            // Object offsets within a direct block count from the block's first byte (header included).
            return _src.ReadBlock(blockAddress + (offset - heapOffset), size, "fractal heap object");
        }
        throw id.Corrupt($"fractal heap offset {offset} is in no direct block");
    }

    private void CollectIndirect(long address, long heapOffset, int rows, int depth, HashSet<long> visited)
    {
        if (depth > 16 || rows > 64) throw new Hdf5FormatException($"{_src.Path}: fractal heap indirect block nesting: corrupt");
        if (!visited.Add(address)) throw new Hdf5FormatException($"{_src.Path}: cyclic fractal heap: corrupt");
        int o = _src.OffsetSize;
        int maxDirectRows = BitLength(_maxDirectBlockSize) - BitLength(_startBlockSize) + 2;
        int directRows = Math.Min(rows, maxDirectRows);
        int entries = rows * _tableWidth;
        var c = _src.ReadBlock(address, 4 + 1 + o + _offsetBytes + (long)entries * o, "fractal heap indirect block");
        c.ExpectSignature("FHIB", "fractal heap indirect block");
        c.U8();
        c.Address();
        c.UVar(_offsetBytes);
        long offset = heapOffset;
        for (int row = 0; row < rows; row++)
        {
            long blockSize = row <= 1 ? _startBlockSize : _startBlockSize << (row - 1);
            for (int col = 0; col < _tableWidth; col++)
            {
                long child = c.Address();
                if (row < directRows)
                {
                    if (Hdf5Address.IsDefined(child)) _directBlocks.Add((offset, child, blockSize));
                }
                else if (Hdf5Address.IsDefined(child))
                {
                    int childRows = BitLength(blockSize) - 1 - (BitLength(_startBlockSize) - 1 + BitLength(_tableWidth) - 1) + 1;
                    CollectIndirect(child, offset, childRows, depth + 1, visited);
                }
                offset += blockSize;
            }
        }
        _ = _checksummedDirect;
    }

    private static bool IsPowerOfTwo(long v) => v > 0 && (v & (v - 1)) == 0;
    /// <summary>Number of bits needed for v (log2(v)+1 for powers of two).</summary>
    private static int BitLength(long v) => v <= 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v);
}
