using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CnnEngine.TestSupport;

namespace CnnEngine.Viz.Tests.Cli;

/// <summary>
/// engine-viz as a new user first meets it, run as a child process (<c>dotnet engine-viz.dll</c>, copied here by the
/// project reference) with an empty home: no weights anywhere, and a download URL where nothing listens (offline).
/// </summary>
public class FirstRunTests
{
    internal static (int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed) RunCli(string workingDirectory,
        IDictionary<string, string>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "engine-viz.dll");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CNN_ENGINE_WEIGHTS");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"engine-viz {string.Join(' ', args)} ran past 5 minutes");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    [Theory]
    [InlineData("deconv")]
    [InlineData("bench")]
    [InlineData("features")]
    [InlineData("merge")]
    [InlineData("occlusion")]
    [InlineData("invariance")]
    public void SubcommandHelpShowsOnlyItsOwnArguments(string command)
    {
        using var dir = Paths.NewTempDir("help");
        var r = RunCli(dir.Path, null, command, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"engine-viz {command}", r.StdOut);
        Assert.DoesNotContain("[<image>]", r.StdOut);
        Assert.DoesNotContain("Image to run", r.StdOut);
        Assert.Contains("Options:", r.StdOut);
    }

    [Fact]
    public void RootHelpStillShowsTheImageArgument()
    {
        using var dir = Paths.NewTempDir("help");
        var r = RunCli(dir.Path, null, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("<image>", r.StdOut);
        Assert.Contains("Image to run", r.StdOut);
    }

    /// <summary>A local port with nothing listening: connections are refused at once, as offline.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [SkippableFact]
    [Trait("Category", "FullSize")] // two full runs with 553 MB of random weights (with the top): about a minute on 2 cores
    public void OfflineFirstRunTriesTheDownloadOnceSaysOneLineShowsTheTop5AndFinishesEveryStage()
    {
        string photo = VizTestPaths.SharedImage("tfkerasvis_bear.jpg");
        Skip.IfNot(File.Exists(photo), $"skipped: {photo} not present");
        using var dir = Paths.NewTempDir("first-run");
        var env = new Dictionary<string, string>
        {
            ["HOME"] = dir.File("home"), ["XDG_CACHE_HOME"] = dir.File("cache"), ["KERAS_HOME"] = dir.File("keras"),
            ["CNN_ENGINE_DOWNLOAD_URL"] = $"http://127.0.0.1:{ClosedPort()}/",
        };

        var first = RunCli(dir.Path, env, photo);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.StdOut}\n{first.StdErr}");
        string[] warnings = first.StdErr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.True(warnings.Length == 1, "expected one warning line, got:\n" + string.Join('\n', warnings));
        Assert.Contains("download failed", warnings[0]);
        Assert.Contains("weights-tools download", warnings[0]);
        Assert.Contains("~/.keras/models/", warnings[0]);
        Assert.True(File.Exists(Path.Combine(dir.File("cache"), "cnn-engine", ".download-failed")), "the failed download is not remembered");

        // stdout: the summary (top-5 of the random top, then what was written); stderr: diagnostics and progress.
        Assert.Contains("(random weights: these classes mean nothing)", first.StdOut);
        for (int i = 1; i <= 5; i++) Assert.Contains($"\n{i}. ", "\n" + first.StdOut);
        Assert.Contains("wrote " + Path.Combine(dir.Path, "tfkerasvis_bear_viz"), first.StdOut);
        Assert.DoesNotContain("wrote ", first.StdErr);
        // Not a terminal: one line per finished stage, every stage done, no stalled percentages.
        foreach (string stage in new[] { "layer grids", "journey.gif", "zoom.gif", "index.html" })
            Assert.Contains($"{stage}: done", first.StdErr);
        Assert.DoesNotContain("%", first.StdErr.Replace("% zeros", ""));
        string report = File.ReadAllText(Path.Combine(dir.Path, "tfkerasvis_bear_viz", "index.html"));
        Assert.Contains("id=\"top5\"", report);
        Assert.Contains("id=\"random-weights\"", report);

        // The second run does not try again, and still says one line; --single-file writes the one-file report too.
        var second = RunCli(dir.Path, env, photo, "--out", "second", "--single-file");
        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.StdOut}\n{second.StdErr}");
        warnings = second.StdErr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.True(warnings.Length == 1, "expected one warning line, got:\n" + string.Join('\n', warnings));
        Assert.Contains("not retried", warnings[0]);
        Assert.DoesNotContain("downloading", second.StdErr);
        string single = Path.Combine(dir.Path, "second", "tfkerasvis_bear_report.html");
        Assert.Contains("single-file report: " + single, second.StdOut);
        Assert.Contains("data:image/gif;base64,", File.ReadAllText(single));
    }
}
