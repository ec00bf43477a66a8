namespace CnnEngine.Weights.Hdf5;

/// <summary>Global heap collections ("GCOL"): where variable-length string values live. Collections are cached per file.</summary>
internal sealed class GlobalHeap
{
    private readonly Hdf5Source _src;
    private readonly Dictionary<long, Dictionary<int, (int Start, int Length, ByteCursor Block)>> _collections = new();

    public GlobalHeap(Hdf5Source src) => _src = src;

    public byte[] Get(long collectionAddress, int index)
    {
        if (!_collections.TryGetValue(collectionAddress, out var objects))
        {
            objects = Load(collectionAddress);
            _collections[collectionAddress] = objects;
        }
        if (!objects.TryGetValue(index, out var o))
            throw new Hdf5FormatException($"{_src.Path}: global heap collection at offset {collectionAddress} has no object {index}: corrupt");
        return o.Block.Buffer.AsSpan(o.Start, o.Length).ToArray();
    }

    private Dictionary<int, (int, int, ByteCursor)> Load(long address)
    {
        var head = _src.ReadBlock(address, 8 + _src.LengthSize, "global heap collection");
        head.ExpectSignature("GCOL", "global heap collection");
        int version = head.U8();
        if (version != 1) throw head.Unsupported($"global heap version {version}");
        head.Skip(3);
        long size = head.Length();
        var c = _src.ReadBlock(address, size, "global heap collection");
        c.Position = 8 + _src.LengthSize;
        var objects = new Dictionary<int, (int, int, ByteCursor)>();
        while (c.Remaining >= 8 + _src.LengthSize)
        {
            int index = c.U16();
            c.Skip(2 + 4); // reference count, reserved
            long objectSize = c.Length();
            if (index == 0) break; // free space: the rest of the collection
            if (objectSize > c.Remaining) throw c.Corrupt("global heap object runs past its collection");
            objects[index] = (c.Position, (int)objectSize, c);
            c.Skip((int)objectSize);
            c.AlignFrom(0, 8);
        }
        return objects;
    }
}
