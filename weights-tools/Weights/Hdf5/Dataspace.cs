namespace CnnEngine.Weights.Hdf5;

/// <summary>Dataspace message (versions 1 and 2): scalar, null or simple with its dimension sizes.</summary>
internal sealed record Dataspace(long[] Dims, bool IsNull)
{
    public long ElementCount
    {
        get
        {
            if (IsNull) return 0;
            long n = 1;
            foreach (long d in Dims) n = checked(n * d);
            return n;
        }
    }

    public static Dataspace Parse(ByteCursor c)
    {
        int version = c.U8();
        int rank = c.U8();
        int flags = c.U8();
        bool isNull = false;
        if (version == 1)
        {
            c.Skip(5);
        }
        else if (version == 2)
        {
            int type = c.U8();
            if (type == 2) isNull = true;
            else if (type == 0 && rank != 0) throw c.Corrupt("scalar dataspace with dimensions");
            else if (type > 2) throw c.Corrupt($"dataspace type {type}");
        }
        else throw c.Unsupported($"dataspace version {version}");
        if (rank > 32) throw c.Corrupt($"dataspace rank {rank}");
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = c.Length();
            // Sizes beyond 2^48 cannot describe data in a real file: reject before anything multiplies them.
            if (dims[i] > 1L << 48) throw new Hdf5FormatException($"{c.Source.Path}: dataspace dimension {dims[i]} at offset {c.Here}: absurd size, corrupt");
        }
        if (version == 1 && (flags & 0x02) != 0) throw c.Unsupported("dataspace permutation index");
        // Each size alone may be plausible while their product is not: check it here, where the file is known, so
        // ElementCount can never overflow later.
        long product = 1;
        foreach (long d in dims)
        {
            if (d != 0 && product > (1L << 48) / d)
                throw new Hdf5FormatException($"{c.Source.Path}: dataspace ({string.Join(", ", dims)}) at offset {c.FileOffset} has more than 2^48 elements: corrupt");
            product *= d;
        }
        return new Dataspace(dims, isNull);
    }
}
