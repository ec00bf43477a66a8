using CnnEngine.Backends.Model;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.TestSupport;
using Xunit.Abstractions;

namespace CnnEngine.Parity.Tests.OwnModels;

/// <summary>
/// The default run's and the deconvnet commands' options on a user's model (mnist.keras, 28×28 grayscale; the dll in a
/// child process): --deconv / --occlusion / --invariance write their pictures, --zoom X,Y, --device for the deconvnet
/// commands (the forward on ILGPU's CPU accelerator gives the CPU engine's projection), --max-memory against the
/// own-model estimate, whose kept-layer bytes equal a real forward's. Every option also has a bad value: one line on
/// stderr, a non-zero exit, no output folder.
/// </summary>
public class OwnModelOptionsCliTests(ITestOutputHelper output)
{
    private static string Mnist => OwnModelFixtures.ModelFile(OwnModelFixtures.Cases()["mnist_keras"].File);

    private (int Code, string StdOut, string StdErr) Run(TempDir tmp, params string[] args)
    {
        var result = CliContractTests.RunCli(tmp.Path, args);
        output.WriteLine(result.StdErr);
        return result;
    }

    private void AssertOneLineRefusal(TempDir tmp, string message, params string[] args)
    {
        var (code, stdout, stderr) = Run(tmp, args);
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout.Trim());
        var lines = stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.Contains(message, lines[0]);
        Assert.False(Directory.Exists(tmp.File("viz")), "no output folder for a refused request");
    }

    [SkippableFact]
    public void DeconvOcclusionInvarianceSectionsAreWritten()
    {
        Python.SkipIfUnavailable();
        var model = OwnModelParityTests.Open(OwnModelFixtures.Cases()["mnist_keras"]);
        using var tmp = Paths.NewTempDir("own-sections");
        var (code, _, stderr) = Run(tmp, Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--out", tmp.File("viz"),
            "--deconv", "--occlusion", "--invariance");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var convs = model.Layers.OfType<ConvLayer>().Select(l => l.Name).ToArray();
        Assert.NotEmpty(convs);
        foreach (var conv in convs) Assert.True(File.Exists(tmp.File($"viz/deconv/projections_{conv}.png")), conv);
        string deepest = CnnEngine.Deconv.CnnProjector.ProjectableLayers(model)[^1].Name;
        Assert.True(File.Exists(tmp.File($"viz/deconv/occlusion_{deepest}_p8_s4.png")), "occlusion figure (28 px: patch 8, stride 4)");
        foreach (var t in new[] { "translate", "scale", "rotate" })
            Assert.Equal(3, Directory.GetFiles(tmp.File("viz/deconv"), $"invariance_{t}_*.svg").Length);
        string page = File.ReadAllText(tmp.File("viz/index.html"));
        foreach (var title in new[] { "Deconvnet projections", "Occlusion sensitivity", "Invariance" }) Assert.Contains(title, page);
        foreach (var src in System.Text.RegularExpressions.Regex.Matches(page, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value))
            Assert.True(File.Exists(tmp.File("viz/" + src)), $"index.html links {src}");
    }

    [SkippableFact]
    public void SectionsFlagWithABadValueIsOneLine()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-sections-bad");
        AssertOneLineRefusal(tmp, "sometimes", Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--out", tmp.File("viz"), "--occlusion=sometimes");
    }

    [SkippableFact]
    public void ZoomAtAPointWritesTheZoom()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-zoom");
        var (code, _, stderr) = Run(tmp, Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--out", tmp.File("viz"), "--zoom", "20,7");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.True(File.Exists(tmp.File("viz/zoom.gif")));
        Assert.Contains("zoom.gif", File.ReadAllText(tmp.File("viz/index.html")));
        Assert.Contains("toward (20, 7) (--zoom)", File.ReadAllText(tmp.File("viz/index.html")));
    }

    [SkippableTheory]
    [InlineData("28,3", "--zoom 28,3 is outside the 28x28 input picture")]
    [InlineData("3", "--zoom '3' is not X,Y in input pixels")]
    public void ZoomOutsideOrMalformedIsOneLine(string zoom, string message)
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-zoom-bad");
        AssertOneLineRefusal(tmp, message, Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--out", tmp.File("viz"), "--zoom", zoom);
    }

    /// <summary>The forward on ILGPU's CPU accelerator (--device ilgpu-cpu) records the outputs and switches the projection reads: the same projection as the CPU engine's.</summary>
    [SkippableFact]
    public void DeconvForwardOnAKernelDeviceGivesTheCpuProjection()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-deconv-device");
        float[] Projection(string device)
        {
            var (code, _, stderr) = Run(tmp, "deconv", Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--layer", "max_pooling2d",
                "--channel", "3", "--mode", "max", "--device", device, "--out", tmp.File("viz-" + device), "--export-npy", tmp.File("npy-" + device));
            Assert.True(code == 0, $"{device}: exit {code}: {stderr}");
            return Npy.Read(tmp.File($"npy-{device}/deconv_max_pooling2d_3_max.npy")).AsFloat32();
        }
        var cpu = Projection("cpu");
        var kernels = Projection("ilgpu-cpu");
        Assert.Contains(cpu, v => v != 0);
        double error = Compare.AssertClose(cpu, kernels, OwnModelParityTests.Tolerance, "deconv projection, ilgpu-cpu forward vs cpu");
        output.WriteLine($"ilgpu-cpu forward vs cpu: max error {error:G3} of the projection's max");
    }

    [SkippableFact]
    public void DeconvOnAnUnknownDeviceIsOneLine()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-deconv-device-bad");
        AssertOneLineRefusal(tmp, "nodevice", "deconv", Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--layer", "max_pooling2d",
            "--channel", "0", "--device", "nodevice", "--out", tmp.File("viz"));
    }

    [SkippableTheory]
    [InlineData("run", "4K", "over the memory budget of 4 KB")]
    [InlineData("run", "lots", "--max-memory must be a size like 8G or 512M, not 'lots'")]
    [InlineData("deconv", "4K", "over the memory budget of 4 KB")]
    [InlineData("occlusion", "64M", "over the memory budget of 64 MB")]   // 20000 occluded copies per batch
    public void MaxMemoryTooSmallOrMalformedIsOneLine(string command, string budget, string message)
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-memory-bad");
        string image = Paths.SharedImage("ozbulak_snake.png");
        var args = command switch
        {
            "deconv" => new[] { "deconv", image, "--model", Mnist, "--layer", "max_pooling2d", "--channel", "0" },
            "occlusion" => new[] { "occlusion", image, "--model", Mnist, "--batch", "20000" },
            _ => new[] { image, "--model", Mnist },
        };
        AssertOneLineRefusal(tmp, message, args.Concat(new[] { "--out", tmp.File("viz"), "--max-memory", budget }).ToArray());
    }

    [SkippableFact]
    public void MaxMemoryThatFitsRuns()
    {
        Python.SkipIfUnavailable();
        using var tmp = Paths.NewTempDir("own-memory");
        var (code, _, stderr) = Run(tmp, Paths.SharedImage("ozbulak_snake.png"), "--model", Mnist, "--out", tmp.File("viz"), "--max-memory", "64M");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.True(File.Exists(tmp.File("viz/index.html")));
    }

    /// <summary>The estimate's kept layers are exactly what a RecordingTap holds after a real forward (every output, every max pool's switches), for a batch of 2.</summary>
    [SkippableTheory]
    [InlineData("mnist_keras")]
    [InlineData("bn_gap")]
    [InlineData("elu_s2")]
    [InlineData("gray_valid")]
    public void EstimateKeepsExactlyTheTappedBytes(string key)
    {
        Python.SkipIfUnavailable();
        var model = OwnModelParityTests.Open(OwnModelFixtures.Cases()[key]);
        using var backend = new CnnCpuBackend(model);
        var input = new Tensor(model.Input.TensorShape(2));
        var tap = new RecordingTap();
        backend.Forward(input, tap);
        long tapped = tap.Activations.Values.Sum(t => (long)t.Data.Length * sizeof(float)) + tap.Switches.Values.Sum(s => (long)s.Data.Length * sizeof(int));
        var estimate = CnnForwardMemory.Of(model, 2, ForwardMemory.Taps.All);
        Assert.Equal(tapped, estimate.TapBytes);
        Assert.Equal(2L * model.Input.Elements * sizeof(float), estimate.InputBytes);
        Assert.True(estimate.WorkingBytes > 0);
        Assert.Equal(0, CnnForwardMemory.Of(model, 2, ForwardMemory.Taps.None).TapBytes);
    }
}
