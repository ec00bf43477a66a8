using System.IO.Compression;

namespace CnnEngine.Weights.Hdf5;

/// <summary>One stored chunk: its element offsets in the dataset, file address, stored size and filter mask.</summary>
internal readonly record struct StoredChunk(long[] Offsets, long Address, long Size, uint FilterMask);

/// <summary>
/// Chunked datasets: finds every chunk through its index (v1 B-tree, single chunk, implicit, fixed array), undoes
/// the filters (deflate, shuffle) and copies each chunk's part into the row-major output. Every chunk must be
/// present exactly once (Keras writes all values; a missing chunk would mean fill values we do not model).
/// </summary>
internal static class ChunkedReader
{
    public static void Read(Hdf5Source src, string path, long[] dims, int elementSize, DataLayout layout, Filter[] filters, Span<byte> output)
    {
        foreach (var f in filters)
            if (f.Id is not (FilterPipeline.Deflate or FilterPipeline.Shuffle))
                throw new UnsupportedHdf5FeatureException($"filter {f.Id}{(f.Name.Length > 0 ? $" ({f.Name})" : "")} on \"{path}\"", layout.FileOffset);
        int rank = dims.Length;
        long[] chunkDims = layout.ChunkDims;
        long chunkElements = 1;
        foreach (long d in chunkDims) chunkElements *= d;
        long chunkBytes = chunkElements * elementSize;
        if (chunkBytes > int.MaxValue) throw new UnsupportedHdf5FeatureException($"chunk of {chunkBytes} bytes in \"{path}\"", layout.FileOffset);
        // A chunk's decoded size is bounded by what its stored bytes can expand to (deflate: ~1032:1): refuse before allocating.
        bool deflated = filters.Any(f => f.Id == FilterPipeline.Deflate);
        long plausible = deflated ? src.Length * 1100 + (1 << 20) : src.Length;
        if (chunkBytes > plausible)
            throw new Hdf5FormatException($"{src.Path}: chunk of \"{path}\" claims {chunkBytes} bytes, more than the {src.Length}-byte file can hold: corrupt");
        long expectedChunks = 1;
        var chunksPerDim = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            chunksPerDim[i] = (dims[i] + chunkDims[i] - 1) / chunkDims[i];
            expectedChunks *= chunksPerDim[i];
        }
        if (output.Length == 0) return;

        var chunks = ListChunks(src, path, dims, chunkDims, chunksPerDim, expectedChunks, chunkBytes, layout, filters.Length > 0);
        var seen = new HashSet<long>();
        var decoded = new byte[chunkBytes];
        byte[]? scratch = null, spare = null;
        foreach (var chunk in chunks)
        {
            long linear = 0;
            for (int i = 0; i < rank; i++)
            {
                long o = chunk.Offsets[i];
                if (o < 0 || o >= dims[i] || o % chunkDims[i] != 0)
                    throw new Hdf5FormatException($"{src.Path}: chunk offset {o} in dimension {i} of \"{path}\" does not fit shape ({string.Join(", ", dims)}): corrupt");
                linear = linear * chunksPerDim[i] + o / chunkDims[i];
            }
            if (!seen.Add(linear)) throw new Hdf5FormatException($"{src.Path}: chunk at ({string.Join(", ", chunk.Offsets)}) of \"{path}\" is stored twice: corrupt");
            if (chunk.Size <= 0 || chunk.Size > int.MaxValue) throw new Hdf5FormatException($"{src.Path}: chunk of \"{path}\" has stored size {chunk.Size}: corrupt");
            src.CheckRange(src.Absolute(chunk.Address, $"chunk of {path}"), chunk.Size, $"chunk of {path}"); // before allocating for it

            bool anyFilter = false;
            for (int k = 0; k < filters.Length; k++) if ((chunk.FilterMask & (1u << k)) == 0) anyFilter = true;
            if (!anyFilter)
            {
                if (chunk.Size != chunkBytes) throw new Hdf5FormatException($"{src.Path}: unfiltered chunk of \"{path}\" has {chunk.Size} bytes, expected {chunkBytes}: corrupt");
                src.ReadInto(chunk.Address, decoded, $"chunk of {path}");
            }
            else
            {
                scratch = scratch is null || scratch.Length < chunk.Size ? new byte[chunk.Size] : scratch;
                var stored = scratch.AsSpan(0, (int)chunk.Size);
                src.ReadInto(chunk.Address, stored, $"chunk of {path}");
                Decode(src, path, stored, decoded, filters, chunk.FilterMask, ref spare);
            }
            CopyChunk(decoded, chunk.Offsets, chunkDims, dims, elementSize, output);
        }
        if (seen.Count != expectedChunks)
            throw new UnsupportedHdf5FeatureException($"chunked dataset \"{path}\" with {expectedChunks - seen.Count} unwritten chunks (fill values)", layout.FileOffset);
    }

    /// <summary>
    /// Undoes the pipeline in reverse order, skipping filters the chunk's mask says were not applied. Works in two
    /// buffers of one chunk each (allocated once per dataset), so many chunks never mean many allocations.
    /// </summary>
    private static void Decode(Hdf5Source src, string path, ReadOnlySpan<byte> stored, byte[] decoded, Filter[] filters, uint mask, ref byte[]? spare)
    {
        ReadOnlySpan<byte> current = stored;
        byte[] target = decoded;
        bool first = true;
        for (int k = filters.Length - 1; k >= 0; k--)
        {
            if ((mask & (1u << k)) != 0) continue;
            // Alternate between the two buffers so a step never reads and writes the same one.
            if (!first) target = current.Overlaps(decoded) ? (spare ??= new byte[decoded.Length]) : decoded;
            first = false;
            var f = filters[k];
            int produced;
            if (f.Id == FilterPipeline.Deflate)
            {
                // Deflate cannot expand more than ~1032:1: a tiny stored chunk claiming a huge size is corrupt.
                if ((long)current.Length * 1100 + 1024 < decoded.Length)
                    throw new Hdf5FormatException($"{src.Path}: deflated chunk of \"{path}\" has {current.Length} bytes, cannot inflate to {decoded.Length}: corrupt");
                produced = Inflate(src, path, current, target);
            }
            else // shuffle
            {
                int es = f.ClientData.Length > 0 ? (int)f.ClientData[0] : 1;
                if (es < 1 || es > 256) throw new Hdf5FormatException($"{src.Path}: shuffle element size {es} on \"{path}\": corrupt");
                if (current.Length != decoded.Length)
                    throw new Hdf5FormatException($"{src.Path}: shuffled chunk of \"{path}\" has {current.Length} bytes, expected {decoded.Length}: corrupt");
                Unshuffle(current, target, es);
                produced = current.Length;
            }
            current = target.AsSpan(0, produced);
        }
        if (current.Length != decoded.Length)
            throw new Hdf5FormatException($"{src.Path}: chunk of \"{path}\" decodes to {current.Length} bytes, expected {decoded.Length}: corrupt");
        if (!current.Overlaps(decoded)) current.CopyTo(decoded);
    }

    private static unsafe int Inflate(Hdf5Source src, string path, ReadOnlySpan<byte> input, byte[] output)
    {
        try
        {
            fixed (byte* p = input)
            {
                using var ms = new UnmanagedMemoryStream(p, input.Length);
                using var z = new ZLibStream(ms, CompressionMode.Decompress);
                int total = 0;
                while (total < output.Length)
                {
                    int n = z.Read(output, total, output.Length - total);
                    if (n == 0) break;
                    total += n;
                }
                if (total != output.Length || z.ReadByte() != -1)
                    throw new Hdf5FormatException($"{src.Path}: deflated chunk of \"{path}\" inflates to {(total != output.Length ? total.ToString(System.Globalization.CultureInfo.InvariantCulture) : "more than " + output.Length)} bytes, expected {output.Length}: corrupt");
                return total;
            }
        }
        catch (InvalidDataException e)
        {
            throw new Hdf5FormatException($"{src.Path}: deflated chunk of \"{path}\" is not valid zlib data: corrupt", e);
        }
    }

    /// <summary>Shuffle stores byte 0 of every element, then byte 1, ...; trailing bytes that do not fill an element stay as they are.</summary>
    internal static void Unshuffle(ReadOnlySpan<byte> shuffled, Span<byte> result, int elementSize)
    {
        if (elementSize == 1) { shuffled.CopyTo(result); return; }
        int n = shuffled.Length / elementSize;
        for (int b = 0; b < elementSize; b++)
        {
            var plane = shuffled.Slice(b * n, n);
            for (int i = 0; i < n; i++) result[i * elementSize + b] = plane[i];
        }
        int tail = n * elementSize;
        shuffled[tail..].CopyTo(result[tail..]);
    }

    /// <summary>Copies the valid part of one chunk (edge chunks are clipped) into the row-major output, a row at a time.</summary>
    private static void CopyChunk(byte[] chunk, long[] offsets, long[] chunkDims, long[] dims, int elementSize, Span<byte> output)
    {
        int rank = dims.Length;
        if (rank == 0) { chunk.AsSpan(0, elementSize).CopyTo(output); return; }
        var extent = new long[rank];
        for (int i = 0; i < rank; i++) extent[i] = Math.Min(chunkDims[i], dims[i] - offsets[i]);
        long rowBytes = extent[rank - 1] * elementSize;
        var index = new long[rank]; // position inside the chunk, last dimension stays 0
        while (true)
        {
            long srcElem = 0, dstElem = 0;
            for (int i = 0; i < rank; i++)
            {
                srcElem = srcElem * chunkDims[i] + index[i];
                dstElem = dstElem * dims[i] + offsets[i] + index[i];
            }
            chunk.AsSpan((int)(srcElem * elementSize), (int)rowBytes).CopyTo(output.Slice(checked((int)(dstElem * elementSize)), (int)rowBytes));
            int d = rank - 2;
            while (d >= 0)
            {
                if (++index[d] < extent[d]) break;
                index[d] = 0;
                d--;
            }
            if (d < 0) break;
        }
    }

    private static List<StoredChunk> ListChunks(Hdf5Source src, string path, long[] dims, long[] chunkDims, long[] chunksPerDim,
        long expectedChunks, long chunkBytes, DataLayout layout, bool filtered)
    {
        int rank = dims.Length;
        var chunks = new List<StoredChunk>();
        if (!Hdf5Address.IsDefined(layout.Address))
            throw new UnsupportedHdf5FeatureException($"chunked dataset \"{path}\" never written (fill value only)", layout.FileOffset);
        switch (layout.ChunkIndex)
        {
            case ChunkIndexKind.BTreeV1:
            {
                int keySize = 4 + 4 + 8 * (rank + 1);
                BTreeV1.Walk(src, layout.Address, nodeType: 1, keySize, expectedLevel: -1, depth: 0, new HashSet<long>(), (key, address) =>
                {
                    long size = key.U32();
                    uint mask = key.U32();
                    var offsets = new long[rank];
                    for (int i = 0; i < rank; i++) offsets[i] = (long)key.U64();
                    if (chunks.Count >= expectedChunks) throw new Hdf5FormatException($"{src.Path}: chunk index of \"{path}\" lists more chunks than the shape has: corrupt");
                    chunks.Add(new StoredChunk(offsets, address, size, mask));
                });
                break;
            }
            case ChunkIndexKind.SingleChunk:
            {
                if (expectedChunks != 1) throw new Hdf5FormatException($"{src.Path}: single-chunk index on \"{path}\" whose shape needs {expectedChunks} chunks: corrupt");
                long size = layout.SingleChunkFilteredSize >= 0 ? layout.SingleChunkFilteredSize : chunkBytes;
                chunks.Add(new StoredChunk(new long[rank], layout.Address, size, layout.SingleChunkFilterMask));
                break;
            }
            case ChunkIndexKind.Implicit:
            {
                if (filtered) throw new Hdf5FormatException($"{src.Path}: implicit chunk index with filters on \"{path}\": corrupt");
                for (long i = 0; i < expectedChunks; i++)
                    chunks.Add(new StoredChunk(ChunkOffsets(i, chunkDims, chunksPerDim), layout.Address + i * chunkBytes, chunkBytes, 0));
                break;
            }
            case ChunkIndexKind.FixedArray:
                ReadFixedArray(src, path, layout, chunkDims, chunksPerDim, expectedChunks, chunkBytes, filtered, chunks);
                break;
        }
        return chunks;
    }

    private static long[] ChunkOffsets(long linear, long[] chunkDims, long[] chunksPerDim)
    {
        var offsets = new long[chunkDims.Length];
        for (int i = chunkDims.Length - 1; i >= 0; i--)
        {
            offsets[i] = linear % chunksPerDim[i] * chunkDims[i];
            linear /= chunksPerDim[i];
        }
        return offsets;
    }

    /// <summary>Fixed array chunk index ("FAHD" + "FADB"), unpaged: one entry per chunk in row-major chunk order.</summary>
    private static void ReadFixedArray(Hdf5Source src, string path, DataLayout layout, long[] chunkDims, long[] chunksPerDim,
        long expectedChunks, long chunkBytes, bool filtered, List<StoredChunk> chunks)
    {
        int o = src.OffsetSize;
        var h = src.ReadBlock(layout.Address, 4 + 4 + src.LengthSize + o, "fixed array header");
        h.ExpectSignature("FAHD", "fixed array header");
        h.U8();
        int client = h.U8();
        int entrySize = h.U8();
        int pageBits = h.U8();
        long entries = h.Length();
        long dataBlock = h.Address();
        if (entries != expectedChunks) throw h.Corrupt($"fixed array has {entries} entries, shape needs {expectedChunks} chunks");
        if (entries > 1L << pageBits) throw h.Unsupported("paged fixed array chunk index");
        if ((client == 1) != filtered) throw h.Corrupt("fixed array client type does not match the filter pipeline");
        int sizeBytes = entrySize - o - 4;
        if (filtered ? sizeBytes is < 1 or > 8 : entrySize != o) throw h.Corrupt($"fixed array entry size {entrySize}");
        var d = src.ReadBlock(dataBlock, 6 + o + entries * entrySize, "fixed array data block");
        d.ExpectSignature("FADB", "fixed array data block");
        d.Skip(2);
        d.Address();
        for (long i = 0; i < entries; i++)
        {
            long address = d.Address();
            long size = chunkBytes;
            uint mask = 0;
            if (filtered) { size = (long)d.UVar(sizeBytes); mask = d.U32(); }
            if (!Hdf5Address.IsDefined(address)) continue; // unwritten: reported as missing afterwards
            chunks.Add(new StoredChunk(ChunkOffsets(i, chunkDims, chunksPerDim), address, size, mask));
        }
    }
}
