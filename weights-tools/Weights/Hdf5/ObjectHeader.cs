namespace CnnEngine.Weights.Hdf5;

/// <summary>One header message: its type, flags and body (a cursor positioned at the body's first byte).</summary>
internal sealed record HeaderMessage(int Type, int Flags, ByteCursor Body);

/// <summary>Message type numbers used here (HDF5 spec IV.A.2).</summary>
internal static class MessageType
{
    public const int Nil = 0x0, Dataspace = 0x1, LinkInfo = 0x2, Datatype = 0x3, FillValueOld = 0x4, FillValue = 0x5,
        Link = 0x6, ExternalFiles = 0x7, Layout = 0x8, Bogus = 0x9, GroupInfo = 0xA, FilterPipeline = 0xB,
        Attribute = 0xC, Comment = 0xD, ModificationTimeOld = 0xE, SharedMessageTable = 0xF, Continuation = 0x10,
        SymbolTable = 0x11, ModificationTime = 0x12, BTreeK = 0x13, DriverInfo = 0x14, AttributeInfo = 0x15,
        ReferenceCount = 0x16;
}

/// <summary>
/// Object headers, version 1 and version 2 ("OHDR"), with their continuation blocks followed (each at most once:
/// a continuation loop is a corrupt file, not a hang).
/// </summary>
internal static class ObjectHeader
{
    private const int MaxMessages = 65536;

    public static List<HeaderMessage> Read(Hdf5Source src, long address)
    {
        var messages = new List<HeaderMessage>();
        var first = src.ReadBlockUpTo(address, 16, "object header");
        var continuations = new Queue<(long Address, long Length)>();
        var seen = new HashSet<long>();
        int version;
        if (first.Buffer.Length >= 4 && first.Buffer[0] == 'O' && first.Buffer[1] == 'H' && first.Buffer[2] == 'D' && first.Buffer[3] == 'R')
        {
            version = 2;
            var pre = src.ReadBlockUpTo(address, 4 + 2 + 16 + 4 + 8, "object header");
            pre.Skip(4);
            int v = pre.U8();
            if (v != 2) throw new UnsupportedHdf5FeatureException($"object header version {v}", pre.Here - 1);
            int flags = pre.U8();
            if ((flags & 0x20) != 0) pre.Skip(16);   // access/modification/change/birth times
            if ((flags & 0x10) != 0) pre.Skip(4);    // max compact / min dense attribute counts
            long chunkSize = (long)pre.UVar(1 << (flags & 3));
            bool trackCreationOrder = (flags & 0x04) != 0;
            int prefix = pre.Position;
            // Prefix + first chunk, then its checksum: read together so the checksum covers exactly what we parse.
            var whole = src.ReadBlock(address, prefix + chunkSize + 4, "object header");
            Lookup3.Verify(src, whole.Buffer.AsSpan(0, (int)(prefix + chunkSize)), whole.Buffer.AsSpan((int)(prefix + chunkSize), 4), whole.FileOffset, "object header");
            var chunk = whole.Slice(prefix, (int)chunkSize);
            ParseV2Messages(chunk, trackCreationOrder, messages, continuations);
            seen.Add(address);
            while (continuations.Count > 0)
            {
                var (a, len) = continuations.Dequeue();
                if (!seen.Add(a)) throw new Hdf5FormatException($"{src.Path}: object header at offset {address} has a continuation loop: corrupt");
                if (len < 8) throw new Hdf5FormatException($"{src.Path}: object header continuation of {len} bytes: corrupt");
                var block = src.ReadBlock(a, len, "object header continuation");
                block.ExpectSignature("OCHK", "object header continuation");
                Lookup3.Verify(src, block.Buffer.AsSpan(0, (int)len - 4), block.Buffer.AsSpan((int)len - 4, 4), block.FileOffset, "object header continuation");
                var body = block.Slice(4, (int)len - 8); // minus signature and checksum
                ParseV2Messages(body, trackCreationOrder, messages, continuations);
                if (messages.Count > MaxMessages) throw new Hdf5FormatException($"{src.Path}: object header at offset {address} has too many messages: corrupt");
            }
        }
        else
        {
            version = first.U8();
            if (version != 1) throw new Hdf5FormatException($"{src.Path}: no object header at offset {src.Absolute(address, "object header")} (version byte {version}): corrupt");
            first.Skip(1);
            int count = first.U16();
            first.Skip(4);                            // reference count
            long size = first.U32();
            var chunk = src.ReadBlock(address + 16, size, "object header");   // 12-byte prefix padded to 16
            seen.Add(address);
            ParseV1Messages(chunk, messages, continuations);
            while (continuations.Count > 0)
            {
                var (a, len) = continuations.Dequeue();
                if (!seen.Add(a)) throw new Hdf5FormatException($"{src.Path}: object header at offset {address} has a continuation loop: corrupt");
                ParseV1Messages(src.ReadBlock(a, len, "object header continuation"), messages, continuations);
                if (messages.Count > MaxMessages) throw new Hdf5FormatException($"{src.Path}: object header at offset {address} has too many messages: corrupt");
            }
            _ = count; // the count includes continuation messages; the walk above is bounded by the blocks themselves
        }
        foreach (var m in messages)
        {
            if ((m.Flags & 0x02) != 0) throw new UnsupportedHdf5FeatureException($"shared header message (type {m.Type})", m.Body.FileOffset);
        }
        return messages;
    }

    private static void ParseV1Messages(ByteCursor c, List<HeaderMessage> messages, Queue<(long, long)> continuations)
    {
        while (c.Remaining >= 8)
        {
            int type = c.U16();
            int size = c.U16();
            int flags = c.U8();
            c.Skip(3);
            if (size > c.Remaining) throw c.Corrupt("object header message runs past its block");
            var body = c.Slice(c.Position, size);
            c.Skip(size);
            Add(type, flags, body, messages, continuations);
        }
    }

    private static void ParseV2Messages(ByteCursor c, bool creationOrder, List<HeaderMessage> messages, Queue<(long, long)> continuations)
    {
        int headerSize = creationOrder ? 6 : 4;
        while (c.Remaining >= headerSize)
        {
            int type = c.U8();
            int size = c.U16();
            int flags = c.U8();
            if (creationOrder) c.Skip(2);
            if (size > c.Remaining) throw c.Corrupt("object header message runs past its block");
            var body = c.Slice(c.Position, size);
            c.Skip(size);
            Add(type, flags, body, messages, continuations);
        }
    }

    private static void Add(int type, int flags, ByteCursor body, List<HeaderMessage> messages, Queue<(long, long)> continuations)
    {
        if (type == MessageType.Continuation)
        {
            long a = body.Address();
            long len = body.Length();
            continuations.Enqueue((a, len));
            return;
        }
        if (type == MessageType.Nil) return;
        messages.Add(new HeaderMessage(type, flags, body));
    }
}
