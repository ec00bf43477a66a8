namespace CnnEngine.Weights.Hdf5;

/// <summary>
/// A read-only HDF5 file as Keras and h5py write it: open, walk groups by path, read attributes and float datasets.
/// Objects are parsed on first access and cached. Not thread-safe.
/// </summary>
public sealed class Hdf5File : IDisposable
{
    internal Hdf5Source Source { get; }
    internal GlobalHeap GlobalHeap { get; }
    private readonly Dictionary<long, Hdf5Object> _objects = new();

    public string Path => Source.Path;
    public long Length => Source.Length;
    public int SuperblockVersion { get; }
    public Hdf5Group Root { get; }

    private Hdf5File(string path)
    {
        Source = new Hdf5Source(path);
        try
        {
            var sb = Superblock.Read(Source);
            SuperblockVersion = sb.Version;
            GlobalHeap = new GlobalHeap(Source);
            Root = LoadObject(sb.RootObjectHeader, "/", "") as Hdf5Group
                   ?? throw new Hdf5FormatException($"{path}: the root object is not a group: corrupt");
        }
        catch
        {
            Source.Dispose();
            throw;
        }
    }

    public static Hdf5File Open(string path)
    {
        if (!File.Exists(path)) throw new WeightsException($"{path}: no such file");
        return new Hdf5File(path);
    }

    /// <summary>The object at an absolute path such as "block1_conv1/block1_conv1_W_1:0"; null when absent.</summary>
    public Hdf5Object? TryGet(string path) => Root.TryGet(path);

    internal Hdf5Object LoadObject(long headerAddress, string name, string parentPath)
    {
        if (_objects.TryGetValue(headerAddress, out var known)) return known;
        var messages = ObjectHeader.Read(Source, headerAddress);
        string fullPath = parentPath == "" ? "/" : (parentPath == "/" ? "/" + name : parentPath + "/" + name);
        Hdf5Object obj;
        if (messages.Any(m => m.Type == MessageType.Layout)) obj = new Hdf5Dataset(this, name, fullPath, headerAddress, messages);
        else if (messages.Any(m => m.Type is MessageType.SymbolTable or MessageType.LinkInfo or MessageType.Link or MessageType.GroupInfo))
            obj = new Hdf5Group(this, name, fullPath, headerAddress, messages);
        else if (messages.Any(m => m.Type == MessageType.Datatype))
            throw new UnsupportedHdf5FeatureException($"committed datatype object \"{fullPath}\"", Source.Absolute(headerAddress, "object"));
        else obj = new Hdf5Group(this, name, fullPath, headerAddress, messages); // an old-style group always has a symbol table; this is an empty object
        _objects[headerAddress] = obj;
        return obj;
    }

    public void Dispose() => Source.Dispose();
}

/// <summary>A group or dataset, with its attributes.</summary>
public abstract class Hdf5Object
{
    private protected readonly Hdf5File File;
    private protected readonly List<HeaderMessage> Messages;
    private Dictionary<string, Hdf5Attribute>? _attributes;

    public string Name { get; }
    /// <summary>Absolute path, "/" for the root.</summary>
    public string Path { get; }
    /// <summary>File offset of the object header.</summary>
    public long HeaderAddress { get; }

    private protected Hdf5Object(Hdf5File file, string name, string path, long headerAddress, List<HeaderMessage> messages)
    {
        File = file; Name = name; Path = path; HeaderAddress = headerAddress; Messages = messages;
    }

    public IReadOnlyDictionary<string, Hdf5Attribute> Attributes => _attributes ??= LoadAttributes();

    private Dictionary<string, Hdf5Attribute> LoadAttributes()
    {
        var result = new Dictionary<string, Hdf5Attribute>(StringComparer.Ordinal);
        foreach (var m in Messages)
        {
            if (m.Type == MessageType.AttributeInfo)
            {
                var c = m.Body;
                c.Position = 0;
                c.U8();
                int flags = c.U8();
                if ((flags & 1) != 0) c.Skip(2);
                long heap = c.Address();
                if (Hdf5Address.IsDefined(heap)) throw new UnsupportedHdf5FeatureException($"dense attribute storage on \"{Path}\"", m.Body.FileOffset);
            }
            if (m.Type != MessageType.Attribute) continue;
            m.Body.Position = 0;
            var a = Hdf5Attribute.Parse(File, m.Body);
            result[a.Name] = a;
        }
        return result;
    }

    private protected HeaderMessage? Find(int type) => Messages.FirstOrDefault(m => m.Type == type);
}

/// <summary>A group: named links to child groups and datasets.</summary>
public sealed class Hdf5Group : Hdf5Object
{
    private List<Link>? _links;

    internal Hdf5Group(Hdf5File file, string name, string path, long headerAddress, List<HeaderMessage> messages)
        : base(file, name, path, headerAddress, messages) { }

    /// <summary>Child names in storage order (name order for the groups h5py writes).</summary>
    public IReadOnlyList<string> ChildNames => Links.Select(l => l.Name).ToArray();

    /// <summary>Forces the links to be read (so <see cref="LinkStorage"/> is known).</summary>
    public int ChildCount => Links.Count;

    private List<Link> Links => _links ??= LoadLinks();

    /// <summary>How the links are stored: "symbol table" (format 0), "compact" (link messages) or "dense" (fractal heap + v2 B-tree).</summary>
    public string LinkStorage { get; private set; } = "";

    private List<Link> LoadLinks()
    {
        var src = File.Source;
        var symbolTable = Find(MessageType.SymbolTable);
        if (symbolTable is not null)
        {
            var c = symbolTable.Body;
            c.Position = 0;
            long btree = c.Address();
            long heap = c.Address();
            LinkStorage = "symbol table";
            return SymbolTableGroup.ReadLinks(src, btree, heap);
        }
        var links = new List<Link>();
        LinkStorage = "compact";
        foreach (var m in Messages.Where(m => m.Type == MessageType.Link))
        {
            m.Body.Position = 0;
            links.Add(LinkMessage.Parse(m.Body));
        }
        var info = Find(MessageType.LinkInfo);
        if (info is not null)
        {
            var c = info.Body;
            c.Position = 0;
            int version = c.U8();
            if (version != 0) throw c.Unsupported($"link info version {version}");
            int flags = c.U8();
            if ((flags & 1) != 0) c.Skip(8);
            long heap = c.Address();
            long nameIndex = c.Address();
            if (Hdf5Address.IsDefined(heap))
            {
                links.AddRange(DenseLinks.ReadLinks(src, heap, nameIndex));
                LinkStorage = "dense";
            }
        }
        // h5py lists names in name order (unless a group tracks creation order); so do we, whatever the storage.
        links.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return links;
    }

    public Hdf5Object? GetChild(string name)
    {
        foreach (var l in Links)
            if (l.Name == name) return File.LoadObject(l.ObjectHeader, l.Name, Path);
        return null;
    }

    /// <summary>Object at a path relative to this group ("a/b/c"); null when any part is absent.</summary>
    public Hdf5Object? TryGet(string relativePath)
    {
        Hdf5Object current = this;
        foreach (var part in relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is not Hdf5Group g) return null;
            var next = g.GetChild(part);
            if (next is null) return null;
            current = next;
        }
        return current;
    }

    public Hdf5Group? TryGetGroup(string relativePath) => TryGet(relativePath) as Hdf5Group;
    public Hdf5Dataset? TryGetDataset(string relativePath) => TryGet(relativePath) as Hdf5Dataset;

    /// <summary>Every dataset below this group, depth first in name order, each object visited once (hard-link loops are cut).</summary>
    public IReadOnlyList<Hdf5Dataset> AllDatasets()
    {
        var result = new List<Hdf5Dataset>();
        var visited = new HashSet<long> { HeaderAddress };
        Collect(this, visited, result, depth: 0);
        return result;
    }

    private static void Collect(Hdf5Group group, HashSet<long> visited, List<Hdf5Dataset> result, int depth)
    {
        if (depth > 64) throw new Hdf5FormatException($"{group.File.Path}: groups nested deeper than 64 levels: corrupt");
        foreach (string name in group.ChildNames)
        {
            var child = group.GetChild(name)!;
            if (!visited.Add(child.HeaderAddress)) continue;
            if (child is Hdf5Dataset d) result.Add(d);
            else if (child is Hdf5Group g) Collect(g, visited, result, depth + 1);
        }
    }
}
