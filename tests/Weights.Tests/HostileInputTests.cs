using System.Text;
using CnnEngine.TestSupport;
using CnnEngine.Weights.Hdf5;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>
/// Issue 13's reproducers: each one escaped the documented exception types (or allocated hundreds of MB) before.
/// The .h5 files under tests/fixtures/weights/fuzz/ are inputs the fuzz harness (fuzz/) found on the old reader.
/// </summary>
public class HostileInputTests
{
    private static string FuzzFixture(string name) => Path.Combine(Paths.RepoRoot, "tests", "fixtures", "weights", "fuzz", name);

    /// <summary>Reads everything the way inspect and engine-viz do: every dataset, every attribute, then the Keras layer.</summary>
    private static void ReadEverything(string path)
    {
        using (var f = Hdf5File.Open(path))
        {
            foreach (var ds in f.Root.AllDatasets())
            {
                if (ds.IsFloat) ds.ReadFloat32();
                foreach (var a in ds.Attributes.Values) { if (a.IsString) a.ReadStrings(); else a.ReadNumbers(); }
            }
            foreach (var a in f.Root.Attributes.Values) { if (a.IsString) a.ReadStrings(); else a.ReadNumbers(); }
        }
        using var store = WeightStore.Open(path);
        foreach (string name in store.TensorNames) store.GetTensor(name);
    }

    [Theory]
    [InlineData("dataspace-product-overflow.h5", "has more than 2^48 elements")]    // was OverflowException in Dataspace.ElementCount
    [InlineData("attribute-count-overflow.h5", "attribute weight_names")]           // was OverflowException in Hdf5Attribute.ReadStrings
    [InlineData("attribute-zero-size-elements.h5", "elements of 0 bytes")]          // was an 895 MB allocation, then a wrong read
    public void DamagedHeadersAreTypedErrorsNamingTheFile(string fixture, string expected)
    {
        string path = FuzzFixture(fixture);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Record.Exception(() => ReadEverything(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var typed = Assert.IsAssignableFrom<WeightsException>(e);
        Assert.Contains(path, typed.Message);
        Assert.Contains(expected, typed.Message);
        Assert.True(allocated < 64 << 20, $"allocated {allocated} bytes for a {new FileInfo(path).Length}-byte file");
    }

    [Fact]
    public void FixedStringAttributeWithANegativeSizeIsATypedError()
    {
        // keras-nan.h5's weight_names: 2 fixed strings of 21 bytes. A size of 0x80000000 makes 2 × size wrap to 0
        // bytes of value, which the old reader accepted and then sliced: ArgumentOutOfRangeException in ReadStrings.
        byte[] bytes = File.ReadAllBytes(Fixture("keras-nan.h5"));
        int name = bytes.AsSpan().IndexOf("weight_names\0"u8);
        Assert.True(name > 0);
        int datatype = name + 16;                                  // the version-1 attribute pads its name to 8 bytes
        Assert.Equal(0x13, bytes[datatype]);                       // version 1, class 3 (string)
        Assert.Equal(21, BitConverter.ToInt32(bytes, datatype + 4));
        BitConverter.TryWriteBytes(bytes.AsSpan(datatype + 4), 0x80000000u);
        using var dir = Paths.NewTempDir("hostile-attr");
        string path = dir.File("negative-string-size.h5");
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsAny<WeightsException>(() => ReadEverything(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("attribute weight_names has elements of -2147483648 bytes", e.Message);
    }

    /// <summary>A safetensors file from a header text and a data section of <paramref name="dataBytes"/> zero bytes.</summary>
    private static string SafeTensors(TempDir dir, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
        json.CopyTo(bytes, 8);
        string path = dir.File("x.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void SafeTensorsDuplicateNameIsATypedError()
    {
        using var dir = Paths.NewTempDir("hostile-st");
        string path = SafeTensors(dir, """{"a.kernel":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a.kernel":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        var e = Assert.ThrowsAny<WeightsException>(() => WeightStore.Open(path).Dispose());   // was ArgumentException ("same key")
        Assert.Contains(path, e.Message);
        Assert.Contains("names tensor 'a.kernel' twice", e.Message);
    }

    [Fact]
    public void SafeTensorsWithoutTensorsIsOneLineThroughInspect()
    {
        using var dir = Paths.NewTempDir("hostile-st");
        string path = SafeTensors(dir, "{}", 0);
        var r = CliRunner.Run("inspect", path);   // was "InvalidOperationException: Sequence contains no elements"
        CliTests.AssertOneLineError(r, "lists no tensors");
        Assert.Contains(path, r.StdErr);
    }

    [Theory]
    [InlineData("ht tp://bad url", "is not a URL")]
    [InlineData("file:///tmp/", "only http: and https:")]
    [InlineData("ftp://127.0.0.1/x/", "only http: and https:")]
    public void DownloadBaseUrlMustBeHttpAndLeavesNoFolder(string baseUrl, string expected)
    {
        using var dir = Paths.NewTempDir("hostile-dl");
        string outDir = dir.File("cache");
        var r = CliRunner.Run("download", "--notop", "--out", outDir, "--base-url", baseUrl);   // was UriFormatException / NotSupportedException
        CliTests.AssertOneLineError(r, expected);
        Assert.False(Directory.Exists(outDir), "an empty --out folder was left behind");
    }

    [Fact]
    public void FailedDownloadLeavesNoEmptyFolder()
    {
        using var dir = Paths.NewTempDir("hostile-dl");
        string outDir = dir.File("cache");
        int port = ResolverTests.FreePort();
        CliTests.AssertOneLineError(CliRunner.Run("download", "--notop", "--out", outDir, "--base-url", $"http://127.0.0.1:{port}/"), "cannot download");
        Assert.False(Directory.Exists(outDir), "an empty --out folder was left behind");
    }
}

/// <summary>SIGINT / SIGTERM during convert: the temp file goes, the exit code says which signal, one line says so.</summary>
public class ConvertInterruptTests
{
    /// <summary>A VGG16-shaped store (notop, zeros): enough for convert to pass its checks and write 59 MB.</summary>
    private sealed class ZeroVgg16 : IWeightStore
    {
        private readonly Dictionary<string, int[]> _shapes = new();
        public ZeroVgg16()
        {
            foreach (var (layer, kernel, bias) in Vgg16Check.Layers(includeTop: false))
            {
                _shapes[layer + ".kernel"] = kernel;
                _shapes[layer + ".bias"] = new[] { bias };
            }
        }
        public string SourcePath => "zeros";
        public WeightsLayout Layout => WeightsLayout.SafeTensors;
        public IReadOnlyList<string> LayerNames => _shapes.Keys.Select(k => k[..k.LastIndexOf('.')]).Distinct().ToArray();
        public IReadOnlyList<string> TensorNames => _shapes.Keys.ToArray();
        public bool Contains(string name) => _shapes.ContainsKey(name);
        public int[] GetShape(string name) => _shapes[name];
        public ReadOnlyMemory<float> GetTensor(string name) => new float[_shapes[name].Aggregate(1, (a, d) => a * d)];
        public void Dispose() { }
    }

    [Theory]
    [InlineData(SignalledProcess.SIGINT, 130, "SIGINT")]
    [InlineData(SignalledProcess.SIGTERM, 143, "SIGTERM")]
    public void SignalMidWriteRemovesTheTempFile(int signal, int exitCode, string name)
    {
        using var dir = Paths.NewTempDir("convert-signal");
        string input = dir.File("in.safetensors");
        SafeTensors.SafeTensorsWriter.Write(new ZeroVgg16(), input, new Dictionary<string, string>());
        string output = dir.File("out.safetensors");
        var r = SignalledProcess.RunAndSignal(Path.Combine(AppContext.BaseDirectory, "weights-tools.dll"),
            new[] { "convert", input, "-o", output }, "safetensors-tensor", signal);
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains($"weights-tools: interrupted ({name}); removed 1 unfinished output(s)", r.StdErr);
        Assert.Equal(new[] { "in.safetensors" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
    }
}
