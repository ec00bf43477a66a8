using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CnnEngine.TestSupport;
using CnnEngine.Weights.SafeTensors;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>safetensors: our writer checked by an independent reader (numpy + json in python), our mapped reader, bad headers.</summary>
public class SafeTensorsTests
{
    [SkippableFact]
    public void WrittenFileReadsBackInPythonAsTheHdf5Values()
    {
        Python.SkipIfUnavailable();
        using var dir = Paths.NewTempDir("st");
        string source = Fixture("keras-nan.h5");
        string output = dir.File("small.safetensors");
        using (var store = WeightStore.Open(source))
            SafeTensorsWriter.Write(store, output, new Dictionary<string, string> { ["source_file"] = "keras-nan.h5" });
        // Python reads the safetensors bytes by hand (header JSON + numpy) and compares with h5py's values of the source.
        string script = dir.File("check.py");
        File.WriteAllText(script, """
            import json, struct, sys, h5py, numpy as np
            st, h5 = sys.argv[1], sys.argv[2]
            raw = open(st, "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            assert (8 + n) % 8 == 0, "header not padded to 8"
            header = json.loads(raw[8:8 + n])
            data = raw[8 + n:]
            f = h5py.File(h5, "r")
            src = {"block1_conv1.kernel": f["block1_conv1/block1_conv1/kernel:0"][()], "block1_conv1.bias": f["block1_conv1/block1_conv1/bias:0"][()]}
            assert set(k for k in header if k != "__metadata__") == set(src), header.keys()
            for name, ref in src.items():
                e = header[name]
                assert e["dtype"] == "F32" and e["shape"] == list(ref.shape), e
                a = np.frombuffer(data[e["data_offsets"][0]:e["data_offsets"][1]], dtype="<f4").reshape(e["shape"])
                assert a.tobytes() == ref.astype("<f4").tobytes(), name
            assert header["__metadata__"]["source_file"] == "keras-nan.h5"
            print("ok")
            """);
        Assert.Equal("ok", Python.Run(script, output, source).Trim());
    }

    [Fact]
    public void MappedTensorsAreZeroCopyViews()
    {
        using var dir = Paths.NewTempDir("st");
        string output = dir.File("small.safetensors");
        using (var store = WeightStore.Open(Fixture("keras-missing-layer.h5")))
            SafeTensorsWriter.Write(store, output, new Dictionary<string, string>());
        using var h5 = WeightStore.Open(Fixture("keras-missing-layer.h5"));
        using var st = WeightStore.Open(output);
        Assert.Equal(WeightsLayout.SafeTensors, st.Layout);
        Assert.Equal(h5.TensorNames, st.TensorNames);
        foreach (string name in h5.TensorNames)
        {
            Assert.Equal(h5.GetShape(name), st.GetShape(name));
            Assert.True(h5.GetTensor(name).Span.SequenceEqual(st.GetTensor(name).Span), name);
            var memory = st.GetTensor(name);
            Assert.False(MemoryMarshal.TryGetArray(memory, out _), "a mapped tensor must not be a managed array copy");
            unsafe
            {
                using var a = memory.Pin();
                using var b = st.GetTensor(name).Pin();
                Assert.True(a.Pointer == b.Pointer);
                Assert.Equal(0, (long)a.Pointer % 4);
            }
        }
    }

    [Fact]
    public void OverlappingOffsetsAreRejected()
    {
        using var dir = Paths.NewTempDir("st");
        string path = WriteRaw(dir, """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24);
        var e = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path));
        Assert.Contains("overlap", e.Message);
    }

    [Fact]
    public void OffsetsPastTheFileAreRejected()
    {
        using var dir = Paths.NewTempDir("st");
        string path = WriteRaw(dir, """{"a":{"dtype":"F32","shape":[1000],"data_offsets":[0,4000]}}""", 16);
        var e = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path));
        Assert.Contains("exceeds", e.Message);
    }

    [Fact]
    public void HeaderLengthPastTheFileIsRejected()
    {
        using var dir = Paths.NewTempDir("st");
        string path = dir.File("bad.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 40);
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path));
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void ByteCountThatDoesNotMatchTheShapeIsRejected()
    {
        using var dir = Paths.NewTempDir("st");
        string path = WriteRaw(dir, """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", 16);
        var e = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path));
        Assert.Contains("needs 12", e.Message);
    }

    [Fact]
    public void InvalidJsonIsRejected()
    {
        using var dir = Paths.NewTempDir("st");
        string path = WriteRaw(dir, """{"a":{"dtype":"F32","shape":[3],""", 16);
        Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path));
    }

    private static string WriteRaw(TempDir dir, string json, int dataBytes)
    {
        string path = dir.File("bad.safetensors");
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>Full-size: convert each layout to safetensors and read it back bit-identical to h5py.</summary>
[Trait("Category", "FullSize")]
public class FullSizeSafeTensorsTests
{
    [SkippableTheory]
    [InlineData("applications", false)]
    [InlineData("keras3", true)]
    public void ConvertedFileMatchesH5py(string layout, bool notop)
    {
        Python.SkipIfUnavailable();
        var reference = GeneratedVgg16.Make(layout, notop);
        using var dir = Paths.NewTempDir("st-full");
        string output = dir.File("vgg16.safetensors");
        var cli = CliRunner.Run("convert", reference.Path, "-o", output);
        Assert.True(cli.ExitCode == 0, cli.StdErr);
        using (var store = WeightStore.Open(output))
        {
            FullSizeLayoutTests.AssertMatches(reference, store, WeightsLayout.SafeTensors, notop ? 14_714_688 : 138_357_544);
            var meta = ((IWeightStoreDetails)store).Metadata;
            Assert.Equal(Path.GetFileName(reference.Path), meta["source_file"]);
            using var fs = File.OpenRead(reference.Path);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant(), meta["source_sha256"]);
            Assert.Equal(SafeTensorsWriter.FormatVersion, meta["format_version"]);
        }
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left beside it
    }
}
