namespace CnnEngine.Weights.Hdf5;

/// <summary>Superblock versions 0, 1 (group B-tree K), 2 and 3: address widths, base address and the root group's object header.</summary>
internal sealed record Superblock(int Version, long RootObjectHeader, long EndOfFile)
{
    private static readonly byte[] Magic = { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n' };

    public static Superblock Read(Hdf5Source src)
    {
        // The superblock may follow a user block: HDF5 looks at 0, 512, 1024, 2048, ...
        long at = -1;
        Span<byte> sig = stackalloc byte[8];
        for (long probe = 0; probe + 8 <= src.Length; probe = probe == 0 ? 512 : probe * 2)
        {
            src.ReadInto(probe, sig, "superblock signature");
            if (sig.SequenceEqual(Magic)) { at = probe; break; }
        }
        if (at < 0) throw new Hdf5FormatException($"{src.Path}: not an HDF5 file (no HDF5 signature)");

        var c = src.ReadBlockUpTo(at, 256, "superblock");
        c.Skip(8);
        int version = c.U8();
        long rootHeader, eof, baseAddress;
        if (version is 0 or 1)
        {
            c.Skip(3);              // free-space, root symbol table entry, reserved
            c.Skip(1);              // shared header message format version
            SetSizes(src, c, c.U8(), c.U8());
            c.Skip(1);              // reserved
            c.Skip(2 + 2 + 4);      // group leaf K, group internal K, file consistency flags
            if (version == 1) c.Skip(4); // indexed storage internal K + reserved
            baseAddress = c.Address();
            c.Address();            // free-space info address
            eof = c.Address();
            c.Address();            // driver information block
            // Root group symbol table entry: link name offset, object header address, cache type, reserved, scratch pad.
            c.Address();
            rootHeader = c.Address();
        }
        else if (version is 2 or 3)
        {
            SetSizes(src, c, c.U8(), c.U8());
            c.Skip(1);              // file consistency flags
            baseAddress = c.Address();
            long extension = c.Address();
            eof = c.Address();
            rootHeader = c.Address();
            int covered = c.Position;
            Lookup3.Verify(src, c.Buffer.AsSpan(0, covered), c.Bytes(4), at, "superblock");
            if (Hdf5Address.IsDefined(extension))
            {
                // A superblock extension holds file-wide settings (shared messages, page sizes): not written by h5py by default.
                // It does not change how objects are read unless it declares shared messages, which object headers then flag.
            }
        }
        else throw new UnsupportedHdf5FeatureException($"superblock version {version}", at + 8);

        if (!Hdf5Address.IsDefined(baseAddress)) baseAddress = 0;
        src.BaseAddress = at + baseAddress;
        if (Hdf5Address.IsDefined(eof) && eof + src.BaseAddress > src.Length)
            throw new Hdf5FormatException($"{src.Path}: truncated: the superblock says the file has {eof + src.BaseAddress} bytes, it has {src.Length}");
        if (!Hdf5Address.IsDefined(rootHeader)) throw new Hdf5FormatException($"{src.Path}: superblock has no root group: corrupt");
        return new Superblock(version, rootHeader, eof);
    }

    private static void SetSizes(Hdf5Source src, ByteCursor c, int offsets, int lengths)
    {
        if (offsets is not (2 or 4 or 8) || lengths is not (2 or 4 or 8))
            throw new Hdf5FormatException($"{src.Path}: superblock declares {offsets}-byte addresses and {lengths}-byte lengths: corrupt");
        src.OffsetSize = offsets;
        src.LengthSize = lengths;
    }
}
