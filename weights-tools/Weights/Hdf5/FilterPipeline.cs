namespace CnnEngine.Weights.Hdf5;

/// <summary>One filter of a pipeline: its id and client values (shuffle: element size; deflate: level).</summary>
internal sealed record Filter(int Id, string Name, bool Optional, uint[] ClientData);

/// <summary>Filter pipeline message, versions 1 and 2. Decoding supports deflate (1) and shuffle (2) only.</summary>
internal static class FilterPipeline
{
    public const int Deflate = 1, Shuffle = 2;

    public static Filter[] Parse(ByteCursor c)
    {
        int version = c.U8();
        int count = c.U8();
        if (version == 1) c.Skip(6);
        else if (version != 2) throw c.Unsupported($"filter pipeline version {version}");
        if (count > 32) throw c.Corrupt($"filter count {count}");
        var filters = new Filter[count];
        for (int i = 0; i < count; i++)
        {
            int id = c.U16();
            int nameLength = version == 1 || id >= 256 ? c.U16() : 0;
            int flags = c.U16();
            int values = c.U16();
            string name = "";
            if (nameLength > 0)
            {
                var bytes = c.Bytes(version == 1 ? (nameLength + 7) / 8 * 8 : nameLength);
                int end = bytes.IndexOf((byte)0);
                name = System.Text.Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
            }
            if (values > 256) throw c.Corrupt($"filter client value count {values}");
            var data = new uint[values];
            for (int k = 0; k < values; k++) data[k] = c.U32();
            if (version == 1 && values % 2 == 1) c.Skip(4);
            filters[i] = new Filter(id, name, (flags & 1) != 0, data);
        }
        return filters;
    }
}
