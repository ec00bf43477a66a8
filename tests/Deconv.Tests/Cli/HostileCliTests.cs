using System.Runtime.InteropServices;
using CnnEngine.Model;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Deconv.Tests.Cli;

/// <summary>
/// Issue 13's reproducers through engine-viz: each gave an untyped error, did work before refusing, mixed outputs,
/// or left temp folders behind before. In process (one line on stderr, a non-zero exit), except where a second
/// process is the point (signals, a concurrent run).
/// </summary>
[Collection("console")] // the CLI writes to the process-wide Console
public partial class HostileCliTests
{
    private static string Photo => Paths.SharedImage("tfkerasvis_goldfish.jpg");
    private static string EngineVizDll => Path.Combine(AppContext.BaseDirectory, "engine-viz.dll");

    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (EngineVizCli.Run(args), err.ToString()); }
        finally { Console.SetError(old); }
    }

    private static string OneErrorLine((int Code, string Err) r)
    {
        Assert.NotEqual(0, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("warning:")).ToArray();
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{r.Err}");
        Assert.StartsWith("engine-viz: error: ", lines[0]);
        Assert.DoesNotContain("Exception", lines[0]);
        return lines[0];
    }

    [Theory]
    [InlineData("--side", "40000")]                        // was OverflowException
    [InlineData("--side", "5000", "--batch", "256")]       // was OverflowException
    public void BenchTooLargeIsRefusedWithTheReason(params string[] size)
    {
        var line = OneErrorLine(Run(new[] { "bench", "--weights", "random", "--device", "cpu", "--iterations", "1", "--warmup", "0" }.Concat(size).ToArray()));
        Assert.Contains("more than the", line);
        Assert.Contains("an array can hold", line);
    }

    [Fact]
    public void BenchOverTheBudgetNamesTheEstimateAndTheOption()
    {
        var line = OneErrorLine(Run("bench", "--weights", "random", "--device", "cpu", "--side", "1024", "--batch", "4", "--max-memory", "1G", "--iterations", "1"));
        Assert.Contains("over the memory budget of 1 GB", line);
        Assert.Contains("--max-memory", line);
        Assert.Matches(@"would need about \d+(\.\d)? GB", line);
    }

    [Theory]
    [InlineData("NaN:NaN:1")]      // was accepted, and wrote NaN
    [InlineData("0:Infinity:1")]
    [InlineData("-Infinity:0:1")]
    public void InvarianceRangeMustBeFinite(string range)
    {
        using var scratch = Paths.NewTempDir("hostile-inv");
        var line = OneErrorLine(Run("invariance", Photo, "--weights", "random", "--transform", "translate", "--range", range, "--out", scratch.File("o")));
        Assert.Contains("must be finite numbers", line);
        Assert.False(Directory.Exists(scratch.File("o")), "no output folder for a refused request");
    }

    [Theory]
    [InlineData("deconv", "--layer", "block1_conv1", "--channel", "0")]
    [InlineData("occlusion", "--patch", "64", "--stride", "32")]
    [InlineData("invariance", "--transform", "scale")]
    public void OutputIsCheckedBeforeAnyWork(string command, params string[] options)
    {
        // The image does not exist: a command that checked --out only after computing would complain about the image.
        using var scratch = Paths.NewTempDir("hostile-out");
        string missing = scratch.File("no-such-image.jpg");
        var line = OneErrorLine(Run(new[] { command, missing, "--weights", "random", "--out", "/proc/x/out" }.Concat(options).ToArray()));
        Assert.Contains("cannot create /proc/x/out", line);
    }

    [Theory]
    [InlineData("deconv", "--layer", "block1_conv1", "--channel", "0")]
    [InlineData("default")]
    public void ExportNpyIntoANonEmptyFolderIsRefusedUnlessForced(string command, params string[] options)
    {
        using var scratch = Paths.NewTempDir("hostile-npy");
        string npy = scratch.File("npy");
        Directory.CreateDirectory(npy);
        File.WriteAllText(Path.Combine(npy, "other.npy"), "someone else's array");
        var head = command == "default" ? new[] { Photo, "--no-viz" } : new[] { command, Photo, "--out", scratch.File("o") };
        var args = head.Concat(new[] { "--weights", "random", "--device", "cpu", "--export-npy", npy, "--quiet" }).Concat(options).ToArray();
        var line = OneErrorLine(Run(args));
        Assert.Contains($"--export-npy folder {npy} is not empty (use --force", line);
        Assert.Equal(new[] { "other.npy" }, Directory.GetFiles(npy).Select(Path.GetFileName).ToArray());
        var forced = Run(args.Append("--force").ToArray());
        Assert.True(forced.Code == 0, forced.Err);
        Assert.True(Directory.GetFiles(npy).Length > 1);
    }

    [Fact]
    public void ALockedOutputFolderIsRefusedUnlessForced()
    {
        using var scratch = Paths.NewTempDir("hostile-lock");
        string outDir = scratch.File("o");
        var args = new[] { "deconv", Photo, "--weights", "random", "--device", "cpu", "--layer", "block1_conv1", "--channel", "3", "--out", outDir, "--quiet" };
        using (OutputLock.Acquire(outDir, force: false))   // as another run holding it would
        {
            var line = OneErrorLine(Run(args));
            Assert.Contains($"{outDir} is being written by another engine-viz run", line);
            Assert.Contains("--force", line);
            var forced = Run(args.Append("--force").ToArray());
            Assert.True(forced.Code == 0, forced.Err);
        }
        Assert.True(File.Exists(Path.Combine(outDir, "deconv_block1_conv1_3_max.png")));
        Assert.False(File.Exists(Path.Combine(outDir, OutputLock.FileName)), "the lock goes with its run");
    }

    [Theory]
    [InlineData(SignalledProcess.SIGINT, 130, "SIGINT")]
    [InlineData(SignalledProcess.SIGTERM, 143, "SIGTERM")]
    public void InterruptMidWriteRemovesTheTempFolderAndALockedFolderRefusesASecondRun(int signal, int exitCode, string name)
    {
        using var scratch = Paths.NewTempDir("hostile-signal");
        string outDir = scratch.File("snake_viz");
        string image = Paths.SharedImage("ozbulak_snake.png");
        // The child stops with every picture written into its temp folder, just before the rename.
        var r = SignalledProcess.RunAndSignal(EngineVizDll, new[] { image, "--weights", "random", "--device", "cpu", "--out", outDir, "--quiet" },
            "output-folder", signal, whilePaused: () =>
            {
                Assert.Single(Directory.GetDirectories(scratch.Path, ".snake_viz.tmp-*"));
                // A second run on the same folder meanwhile: refused, the first one's lock is live.
                var line = OneErrorLine(Run(image, "--weights", "random", "--device", "cpu", "--out", outDir, "--quiet"));
                Assert.Contains("is being written by another engine-viz run", line);
            });
        Assert.Equal(exitCode, r.ExitCode);
        Assert.Contains($"engine-viz: interrupted ({name}); removed", r.StdErr);
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Path));   // no .snake_viz.tmp-*, no lock, no empty folder
    }

    [SkippableFact]
    public void NativeSizeHonoursTheMemoryBudget()
    {
        using var scratch = Paths.NewTempDir("hostile-native");
        string png = scratch.File("solid.png");
        var pixels = new byte[5000 * 5000 * 3];
        pixels.AsSpan().Fill(128);
        CnnEngine.Viz.Rendering.PngWriter.Write(png, pixels, 5000, 5000, 3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var line = OneErrorLine(Run(png, "--weights", "random", "--device", "cpu", "--size", "native", "--max-memory", "4G", "--out", scratch.File("o")));
        Assert.Contains("this image would need about", line);
        Assert.Contains("over the memory budget of 4 GB", line);
        Assert.Contains("--max-memory", line);
        Assert.False(Directory.Exists(scratch.File("o")), "no output for a refused run");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"refusing took {watch.Elapsed}");

        // And with the default budget (80% of this machine's memory), where the estimate is over it.
        long estimate = ForwardMemory.Estimate(1, 5000, 5000, includeTop: false, ForwardMemory.Taps.All, pictures: true);
        Skip.If(estimate <= MemoryBudget.Default, $"this machine's default budget ({ForwardMemory.Format(MemoryBudget.Default)}) would allow the 5000² run ({ForwardMemory.Format(estimate)})");
        var byDefault = OneErrorLine(Run(png, "--weights", "random", "--device", "cpu", "--size", "native", "--out", scratch.File("o")));
        Assert.Contains("over the memory budget", byDefault);
    }
}
