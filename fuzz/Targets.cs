using CnnEngine.Deconv;
using CnnEngine.Fuzz.Mutators;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Weights;
using CnnEngine.Weights.Hdf5;
using CnnEngine.Weights.SafeTensors;

namespace CnnEngine.Fuzz;

/// <summary>Where the seeds live: the repository's committed fixtures and ../shared/images.</summary>
public sealed record SeedFolders(string RepoRoot)
{
    public string Weights => Path.Combine(RepoRoot, "tests", "fixtures", "weights");
    public string Images => Path.Combine(RepoRoot, "tests", "fixtures", "images");
    public string Photos => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "images"));

    public IReadOnlyList<Seed> Files(string folder, params string[] extensions) =>
        (Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : Enumerable.Empty<string>())
            .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new Seed(Path.GetRelativePath(RepoRoot, f), File.ReadAllBytes(f))).ToArray();
}

/// <summary>The HDF5 reader itself: open, every dataset's values, every attribute.</summary>
public sealed class Hdf5Target(SeedFolders folders, string scratch) : FuzzTarget
{
    private readonly IReadOnlyList<Seed> _seeds = folders.Files(folders.Weights, ".h5");
    private Hdf5Mutator? _mutator;
    public override string Name => "hdf5";
    public override IReadOnlyList<Seed> Seeds => _seeds;
    public override bool IsExpected(Exception e) => e is WeightsException;
    public override byte[]? MutateStructure(Seed seed, Random rng) => (_mutator ??= new Hdf5Mutator(_seeds, scratch)).Mutate(seed, rng);

    public override void Run(byte[] input, Scratch s)
    {
        using var f = Hdf5File.Open(s.Write(input, "input.h5"));
        foreach (var ds in f.Root.AllDatasets())
        {
            _ = ds.Shape;
            if (ds.IsFloat) ds.ReadFloat32();
            foreach (var a in ds.Attributes.Values) Read(a);
        }
        foreach (var a in f.Root.Attributes.Values) Read(a);
    }

    private static void Read(Hdf5Attribute a)
    {
        if (a.IsString) a.ReadStrings();
        else a.ReadNumbers();
    }
}

/// <summary>The Keras layer on top of HDF5: layout recognition, layer_names/weight_names, tensors, the VGG16 check.</summary>
public sealed class KerasTarget(SeedFolders folders, string scratch) : FuzzTarget
{
    private readonly IReadOnlyList<Seed> _seeds = folders.Files(folders.Weights, ".h5");
    private Hdf5Mutator? _mutator;
    public override string Name => "keras";
    public override IReadOnlyList<Seed> Seeds => _seeds;
    public override bool IsExpected(Exception e) => e is WeightsException;
    // Aim at attribute messages (0x0C): that is where Keras keeps its layer and weight names.
    public override byte[]? MutateStructure(Seed seed, Random rng) => (_mutator ??= new Hdf5Mutator(_seeds, scratch)).Mutate(seed, rng, preferType: 0x0C);

    public override void Run(byte[] input, Scratch s)
    {
        using var store = WeightStore.Open(s.Write(input, "input.h5"));
        foreach (string name in store.TensorNames) { store.GetShape(name); _ = store.GetTensor(name).Span.Length; }
        Vgg16Check.Check(store, scanValues: true);
    }
}

/// <summary>safetensors: the 8-byte length, the JSON header, every tensor's range, the memory map.</summary>
public sealed class SafeTensorsTarget : FuzzTarget
{
    private readonly List<Seed> _seeds = new();
    public override string Name => "safetensors";
    public override IReadOnlyList<Seed> Seeds => _seeds;
    public override bool IsExpected(Exception e) => e is WeightsException;

    public SafeTensorsTarget(SeedFolders folders, string scratch)
    {
        // Seeds: what weights-tools convert writes from each readable Keras fixture.
        foreach (var h5 in folders.Files(folders.Weights, ".h5"))
        {
            string src = Path.Combine(scratch, "seed.h5"), dst = Path.Combine(scratch, "seed.safetensors");
            File.WriteAllBytes(src, h5.Bytes);
            try
            {
                using (var store = WeightStore.Open(src))
                    SafeTensorsWriter.Write(store, dst, new Dictionary<string, string> { ["source_file"] = h5.Name, ["format_version"] = SafeTensorsWriter.FormatVersion });
                _seeds.Add(new Seed(Path.ChangeExtension(h5.Name, ".safetensors"), File.ReadAllBytes(dst)));
            }
            catch (WeightsException) { }
        }
    }

    public override byte[]? MutateStructure(Seed seed, Random rng)
    {
        var b = seed.Bytes;
        if (b.Length < 8) return null;
        ulong n = BitConverter.ToUInt64(b, 0);
        if (n > (ulong)(b.Length - 8)) return null;
        string? json = JsonMutator.Mutate(System.Text.Encoding.UTF8.GetString(b, 8, (int)n), rng);
        if (json is null) return null;
        var header = JsonMutator.Utf8(json);
        var result = new byte[8 + header.Length + (b.Length - 8 - (int)n)];
        BitConverter.TryWriteBytes(result.AsSpan(0, 8), (ulong)header.Length + (rng.Next(8) == 0 ? (ulong)rng.Next(-4, 5) : 0));
        header.CopyTo(result, 8);
        b.AsSpan(8 + (int)n).CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    public override void Run(byte[] input, Scratch s)
    {
        using var store = WeightStore.Open(s.Write(input, "input.safetensors"));
        foreach (string name in store.TensorNames) { store.GetShape(name); _ = store.GetTensor(name).Span.Length; }
        Vgg16Check.Check(store, scanValues: true);
    }
}

/// <summary>engine-viz features checkpoints and merge parts (features.json).</summary>
public sealed class FeaturesJsonTarget : FuzzTarget
{
    private readonly Seed[] _seeds;
    public override string Name => "features-json";
    public override IReadOnlyList<Seed> Seeds => _seeds;
    public override bool IsExpected(Exception e) => e is DeconvException;

    public FeaturesJsonTarget()
    {
        // Seeds: a small scan state as engine-viz writes it (two layers, a few entries), complete and mid-run.
        var top = new TopActivations(3, new Dictionary<string, int> { ["block1_conv1"] = 64, ["block2_conv1"] = 128 });
        top.Offer("block1_conv1", 0, new TopEntry(1.5f, "a/cat.png", 3, 4));
        top.Offer("block1_conv1", 1, new TopEntry(0.25f, "dog.jpg", 0, 1));
        top.Offer("block2_conv1", 2, new TopEntry(7f, "a/cat.png", 10, 11));
        var seeds = new List<Seed>();
        foreach (bool complete in new[] { true, false })
        {
            var state = new FeatureScanState
            {
                Dataset = "/data/images", Layers = new[] { "block1_conv1", "block2_conv1" }, K = 3, Shard = new ShardSpec(1, 4),
                ImagesHash = "0123456789ABCDEF", Next = 5, Processed = 4, Skipped = { "bad.png" }, Complete = complete, Top = top,
                Weights = new WeightsIdentity("vgg16", "/w/vgg16.h5", new string('a', 64), false),
            };
            seeds.Add(new Seed(complete ? "features-complete.json" : "features-partial.json", JsonMutator.Utf8(state.ToJsonText())));
        }
        _seeds = seeds.ToArray();
    }

    public override byte[]? MutateStructure(Seed seed, Random rng) =>
        JsonMutator.Mutate(System.Text.Encoding.UTF8.GetString(seed.Bytes), rng) is { } json ? JsonMutator.Utf8(json) : null;

    public override void Run(byte[] input, Scratch s) =>
        FeatureScanState.Parse(System.Text.Encoding.UTF8.GetString(input), "features.json");
}

/// <summary>Images through the public entry point, ImageLoader.Load(bytes, name): PNG or JPEG.</summary>
public sealed class ImageTarget : FuzzTarget
{
    private readonly IReadOnlyList<Seed> _seeds;
    private readonly bool _png;
    public override string Name => _png ? "png" : "jpeg";
    public override IReadOnlyList<Seed> Seeds => _seeds;
    public override bool IsExpected(Exception e) => e is ImageException;
    // A decoded image may legitimately be large (the decoder's own limit is 100 megapixels): allow 1 GiB.
    public override long AllocationLimit => 1L << 30;

    public ImageTarget(SeedFolders folders, bool png)
    {
        _png = png;
        string[] ext = png ? new[] { ".png" } : new[] { ".jpg", ".jpeg" };
        _seeds = folders.Files(folders.Images, ext).Concat(folders.Files(folders.Photos, ext)).ToArray();
    }

    public override byte[]? MutateStructure(Seed seed, Random rng) =>
        _png ? PngMutator.Mutate(seed.Bytes, rng) : JpegMutator.Mutate(seed.Bytes, rng);

    public override void Run(byte[] input, Scratch s) => ImageLoader.Load(input, "fuzz-input");
}
