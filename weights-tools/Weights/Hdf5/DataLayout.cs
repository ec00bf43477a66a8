namespace CnnEngine.Weights.Hdf5;

internal enum LayoutClass { Compact, Contiguous, Chunked }

internal enum ChunkIndexKind { BTreeV1, SingleChunk, Implicit, FixedArray }

/// <summary>Data layout message, versions 3 and 4 (compact, contiguous, chunked with the indexes h5py writes).</summary>
internal sealed class DataLayout
{
    public LayoutClass Class { get; private init; }
    public byte[]? CompactData { get; private init; }
    public long Address { get; private init; } = Hdf5Address.Undefined;
    public long Size { get; private init; }
    /// <summary>Chunk dimensions in elements, one per dataspace dimension (the element-size entry removed).</summary>
    public long[] ChunkDims { get; private init; } = Array.Empty<long>();
    public ChunkIndexKind ChunkIndex { get; private init; }
    /// <summary>Single-chunk index with filters: the stored size and filter mask of the one chunk.</summary>
    public long SingleChunkFilteredSize { get; private init; } = -1;
    public uint SingleChunkFilterMask { get; private init; }
    public long FileOffset { get; private init; }

    public static DataLayout Parse(ByteCursor c)
    {
        long at = c.Here;
        int version = c.U8();
        if (version is 1 or 2) throw c.Unsupported($"data layout message version {version}");
        if (version is not (3 or 4)) throw c.Corrupt($"data layout version {version}");
        int cls = c.U8();
        switch (cls)
        {
            case 0:
            {
                int size = c.U16();
                return new DataLayout { Class = LayoutClass.Compact, CompactData = c.Bytes(size).ToArray(), Size = size, FileOffset = at };
            }
            case 1:
            {
                long address = c.Address();
                long size = c.Length();
                return new DataLayout { Class = LayoutClass.Contiguous, Address = address, Size = size, FileOffset = at };
            }
            case 2:
                return version == 3 ? ParseChunkedV3(c, at) : ParseChunkedV4(c, at);
            case 3:
                throw c.Unsupported("virtual dataset layout");
            default:
                throw c.Corrupt($"layout class {cls}");
        }
    }

    private static DataLayout ParseChunkedV3(ByteCursor c, long at)
    {
        int dimensionality = c.U8();
        if (dimensionality is < 2 or > 33) throw c.Corrupt($"chunk dimensionality {dimensionality}");
        long address = c.Address();
        var dims = new long[dimensionality - 1];
        for (int i = 0; i < dims.Length; i++) dims[i] = c.U32();
        c.U32(); // dataset element size
        CheckChunkDims(c, dims);
        return new DataLayout { Class = LayoutClass.Chunked, Address = address, ChunkDims = dims, ChunkIndex = ChunkIndexKind.BTreeV1, FileOffset = at };
    }

    private static DataLayout ParseChunkedV4(ByteCursor c, long at)
    {
        int flags = c.U8();
        int dimensionality = c.U8();
        int encoded = c.U8();
        if (dimensionality is < 2 or > 33 || encoded is < 1 or > 8) throw c.Corrupt("chunked layout");
        var dims = new long[dimensionality - 1];
        for (int i = 0; i < dims.Length; i++) dims[i] = (long)c.UVar(encoded);
        c.UVar(encoded); // element size
        CheckChunkDims(c, dims);
        int indexType = c.U8();
        long filteredSize = -1;
        uint mask = 0;
        ChunkIndexKind kind;
        switch (indexType)
        {
            case 1:
                kind = ChunkIndexKind.SingleChunk;
                if ((flags & 0x02) != 0) { filteredSize = c.Length(); mask = c.U32(); }
                break;
            case 2: kind = ChunkIndexKind.Implicit; break;
            case 3: kind = ChunkIndexKind.FixedArray; c.U8(); break; // page bits
            case 4: throw c.Unsupported("extensible array chunk index");
            case 5: throw c.Unsupported("version 2 B-tree chunk index");
            default: throw c.Corrupt($"chunk index type {indexType}");
        }
        long address = c.Address();
        return new DataLayout
        {
            Class = LayoutClass.Chunked, Address = address, ChunkDims = dims, ChunkIndex = kind,
            SingleChunkFilteredSize = filteredSize, SingleChunkFilterMask = mask, FileOffset = at,
        };
    }

    private static void CheckChunkDims(ByteCursor c, long[] dims)
    {
        long n = 1;
        foreach (long d in dims)
        {
            if (d < 1 || d > uint.MaxValue) throw c.Corrupt($"chunk dimension {d}");
            n *= d;
            if (n > 1L << 32) throw c.Corrupt("chunk larger than 4 GiB");
        }
    }
}
