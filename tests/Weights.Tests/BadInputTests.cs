using CnnEngine.TestSupport;
using CnnEngine.Weights.Hdf5;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>Corrupt and unexpected files: one typed exception each, never a hang, a crash or a huge allocation.</summary>
public class BadInputTests
{
    private static Exception ReadAll(string path)
    {
        return Record.Exception(() =>
        {
            using var f = Hdf5File.Open(path);
            foreach (var ds in f.Root.AllDatasets()) ds.ReadFloat32();
        })!;
    }

    [Fact]
    public void TruncatedFileIsAFormatError()
    {
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(Fixture("bad-truncated.h5")));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void WrongMagicIsNotHdf5()
    {
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(Fixture("bad-magic.h5")));
        Assert.Contains("not an HDF5 file", e.Message);
        var w = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(Fixture("bad-magic.h5")));
        Assert.Contains("not an HDF5 file", w.Message);
    }

    [Fact]
    public void AddressPastTheEndIsAFormatError()
    {
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(Fixture("bad-address.h5")));
        Assert.Contains("past the end of the file", e.Message);
    }

    [Fact]
    public void CyclicBTreeIsDetected()
    {
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(Fixture("bad-cyclic-btree.h5")));
        Assert.Contains("cyclic B-tree", e.Message);
    }

    [Fact]
    public void AbsurdDimensionsAreRejectedBeforeAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(Fixture("bad-dims.h5")));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("more than", e.Message);
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes for a corrupt 30 KB file");
    }

    [Fact]
    public void DamagedVersion2ObjectHeaderFailsItsChecksum()
    {
        byte[] bytes = File.ReadAllBytes(Fixture("features-latest.h5"));
        int ohdr = bytes.AsSpan().IndexOf("OHDR"u8);
        Assert.True(ohdr > 0);
        bytes[ohdr + 24] ^= 0x40; // inside the header's messages, covered by its lookup3 checksum
        using var dir = Paths.NewTempDir("weights-bad");
        string path = dir.File("damaged.h5");
        File.WriteAllBytes(path, bytes);
        var e = Assert.IsType<Hdf5FormatException>(ReadAll(path));
        Assert.Contains("fails its checksum", e.Message);
    }

    [Fact]
    public void EmptyAndMissingFilesAreClearErrors()
    {
        using var dir = Paths.NewTempDir("weights-bad");
        string empty = dir.File("empty.h5");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("not an HDF5 file", Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(empty)).Message);
        Assert.Contains("no such file", Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(dir.File("absent.h5"))).Message);
        string text = dir.File("notes.txt");
        File.WriteAllText(text, "hello");
        Assert.Contains("not a weights file", Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(text)).Message);
    }

    [Fact]
    public void MissingLayerIsNamed()
    {
        using var store = WeightStore.Open(Fixture("keras-missing-layer.h5"));
        Assert.Equal(WeightsLayout.Keras2SaveWeights, store.Layout);
        var e = Assert.Throws<WeightsException>(() => Vgg16Check.Validate(store));
        Assert.Contains("layer block1_conv2 is missing", e.Message);
    }

    [Fact]
    public void WrongShapeNamesTheLayerAndBothShapes()
    {
        using var store = WeightStore.Open(Fixture("keras-wrong-shape.h5"));
        var e = Assert.Throws<WeightsException>(() => Vgg16Check.Validate(store));
        Assert.Contains("layer block1_conv1 kernel has shape (3, 3, 3, 32), VGG16 needs (3, 3, 3, 64)", e.Message);
    }

    [Fact]
    public void NanAndInfinityAreWarnedAbout()
    {
        using var store = WeightStore.Open(Fixture("keras-nan.h5"));
        var report = Vgg16Check.Check(store, scanValues: true);
        Assert.Equal(new[] { "warning: block1_conv1.kernel holds 2 NaN or infinite values" }, report.Warnings);
        var kernel = store.GetTensor("block1_conv1.kernel").Span;
        Assert.True(float.IsNaN(kernel[5]));               // (0,0,0,5) in (3,3,3,64)
        Assert.True(float.IsPositiveInfinity(kernel[((1 * 3 + 1) * 3 + 1) * 64 + 7]));
    }
}
