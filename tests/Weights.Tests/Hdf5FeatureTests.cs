using System.Text.Json;
using CnnEngine.TestSupport;
using CnnEngine.Weights.Hdf5;

namespace CnnEngine.Weights.Tests;

/// <summary>
/// Each HDF5 feature the reader claims, on small committed files written by h5py
/// (tests/fixtures/weights/make_hdf5_fixtures.py), compared with what h5py read from them (expected-*.json).
/// </summary>
public class Hdf5FeatureTests
{
    internal static string Fixture(string name) => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", name);

    private static JsonElement Expected(string libver) =>
        JsonDocument.Parse(File.ReadAllBytes(Fixture($"expected-{libver}.json"))).RootElement;

    [Theory]
    [InlineData("earliest", 0)]
    [InlineData("v108", 2)]
    [InlineData("latest", 3)]
    public void SuperblockVersionIsRecognized(string libver, int version)
    {
        Assert.Equal(version, Expected(libver).GetProperty("superblock_version").GetInt32());
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        Assert.Equal(version, f.SuperblockVersion);
    }

    [Theory]
    [InlineData("earliest")]
    [InlineData("v108")]
    [InlineData("latest")]
    public void EveryDatasetMatchesH5py(string libver)
    {
        var expected = Expected(libver).GetProperty("datasets");
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        int n = 0;
        var storages = new HashSet<string>();
        foreach (var e in expected.EnumerateObject())
        {
            var ds = f.Root.TryGetDataset(e.Name);
            Assert.True(ds is not null, $"{e.Name} not found");
            var shape = e.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            Assert.Equal(shape, ds!.Shape);
            string storage = e.Value.GetProperty("storage").GetString()!;
            Assert.StartsWith(storage, ds.StorageDescription);
            string dtype = e.Value.GetProperty("dtype").GetString()!; // "<f4"
            Assert.Equal("f" + dtype[^1], ds.TypeName);
            storages.Add(ds.StorageDescription);
            var values = ds.ReadFloat32();
            Assert.True(e.Value.GetProperty("sha256").GetString() == GeneratedVgg16.Sha256Of(values), $"{libver}: {e.Name} ({ds.StorageDescription}) differs from h5py");
            n++;
        }
        Assert.True(n > 40);
        // The chunk indexes each format generation uses: v1 B-tree before 1.10; single chunk and fixed array after.
        string all = string.Join("; ", storages);
        if (libver == "latest") { Assert.Contains("SingleChunk", all); Assert.Contains("FixedArray", all); }
        else Assert.Contains("BTreeV1", all);
        Assert.Contains("shuffle+deflate", all); // h5py applies shuffle first
    }

    [Theory]
    [InlineData("earliest")]
    [InlineData("v108")]
    [InlineData("latest")]
    public void GroupMembersMatchH5py(string libver)
    {
        var groups = Expected(libver).GetProperty("groups");
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        foreach (var g in groups.EnumerateObject())
        {
            var group = g.Name == "/" ? f.Root : f.Root.TryGetGroup(g.Name);
            Assert.NotNull(group);
            Assert.Equal(g.Value.EnumerateArray().Select(x => x.GetString()), group!.ChildNames);
        }
    }

    [Theory]
    [InlineData("earliest", "symbol table")]
    [InlineData("v108", "dense")]
    [InlineData("latest", "dense")]
    public void ManyLinksUseTheExpectedStorage(string libver, string storage)
    {
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        var many = f.Root.TryGetGroup("many")!;
        Assert.Equal(40, many.ChildCount);
        Assert.Equal(storage, many.LinkStorage);
        for (int i = 0; i < 40; i++)
            Assert.Equal(new float[] { i, i }, many.TryGetDataset($"item_{i:00}")!.ReadFloat32());
    }

    [Theory]
    [InlineData("earliest", "symbol table")]
    [InlineData("v108", "dense")]
    [InlineData("latest", "dense")]
    public void ThreeHundredLinksSpanSeveralIndexNodes(string libver, string storage)
    {
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        var links = f.Root.TryGetGroup("links")!;
        Assert.Equal(300, links.ChildCount);
        Assert.Equal(storage, links.LinkStorage);
        var target = f.Root.TryGetDataset("contiguous_f4")!;
        Assert.Same(target, links.TryGetDataset("link_000"));
        Assert.Same(target, links.TryGetDataset("link_299"));
    }

    [Theory]
    [InlineData("earliest")]
    [InlineData("v108")]
    [InlineData("latest")]
    public void AttributesMatchH5py(string libver)
    {
        var attrs = Expected(libver).GetProperty("attributes");
        using var f = Hdf5File.Open(Fixture($"features-{libver}.h5"));
        foreach (var a in attrs.EnumerateObject())
        {
            var attr = f.Root.Attributes[a.Name];
            switch (a.Value.ValueKind)
            {
                case JsonValueKind.String:
                    Assert.Equal(new[] { a.Value.GetString() }, attr.ReadStrings());
                    break;
                case JsonValueKind.Number:
                    Assert.Equal(new[] { a.Value.GetDouble() }, attr.ReadNumbers());
                    break;
                case JsonValueKind.Array:
                    Assert.Equal(a.Value.EnumerateArray().Select(x => x.GetString()), attr.ReadStrings());
                    break;
            }
        }
        Assert.Equal("variable-length string", f.Root.Attributes["vlen_string"].TypeDescription);
        Assert.StartsWith("fixed string", f.Root.Attributes["fixed_strings"].TypeDescription);
    }

    [Fact]
    public void ExtensibleArrayChunkIndexIsReportedAsUnsupported()
    {
        using var f = Hdf5File.Open(Fixture("unsupported-extensible.h5"));
        var e = Assert.Throws<UnsupportedHdf5FeatureException>(() => f.Root.TryGetDataset("growable"));
        Assert.Contains("extensible array", e.Message);
        Assert.True(e.FileOffset > 0);
    }
}
