using System.Diagnostics;
using System.Runtime.InteropServices;
using CnnEngine.TestSupport;

namespace CnnEngine.Viz.Tests.Packaging;

/// <summary>
/// The README's install: <c>dotnet pack -c Release</c>, then <c>dotnet tool install</c> from that folder, then
/// <c>engine-viz photo.jpg</c>. Here into a temporary <c>--tool-path</c> (not --global), from a NuGet config that
/// lists only the packed folder (so it works offline and never picks a cached or published package), at a version
/// unique to this run. Slow (a Release build of the tool, about 1-2 minutes on 2 cores): FullSize, so the quick filter
/// leaves it out and CI runs it.
/// </summary>
[Trait("Category", "FullSize")]
public class DotnetToolTests
{
    private static (int ExitCode, string StdOut, string StdErr) Run(string file, IEnumerable<string> args, string workingDirectory,
        IDictionary<string, string>? environment = null, int timeoutMinutes = 10)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(timeoutMinutes)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran past {timeoutMinutes} minutes");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The dotnet installation running this test (…/shared/Microsoft.NETCore.App/10.x/ → three folders up).</summary>
    private static string DotnetRoot => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    private static string Dotnet => Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    [SkippableFact]
    public void PackedToolInstallsIntoAToolPathAndRunsOnAPhoto()
    {
        string photo = VizTestPaths.SharedImage("tfkerasvis_bear.jpg");
        Skip.IfNot(File.Exists(photo), $"skipped: {photo} not present");
        using var temp = Paths.NewTempDir("engine-viz-tool");
        string artifacts = temp.File("artifacts"), toolPath = temp.File("tools"), work = temp.File("work");
        Directory.CreateDirectory(work);
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

        // Its own artifacts path: the repository's bin/ and obj/ (in use by this test run) are left alone.
        var pack = Run(Dotnet, ["pack", Path.Combine(VizTestPaths.RepoRoot, "viz", "EngineViz.csproj"), "-c", "Release", "-o", artifacts,
            "--artifacts-path", temp.File("build"), $"-p:Version={version}", "-nodeReuse:false", "--nologo"], VizTestPaths.RepoRoot);
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.StdOut + pack.StdErr);
        Assert.True(File.Exists(Path.Combine(artifacts, $"engine-viz.{version}.nupkg")), "no engine-viz package in " + artifacts);

        File.WriteAllText(temp.File("nuget.config"),
            $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="packed" value="{artifacts}" /></packageSources></configuration>""");
        var install = Run(Dotnet, ["tool", "install", "--tool-path", toolPath, "--configfile", temp.File("nuget.config"), "--version", version, "engine-viz"], temp.Path);
        Assert.True(install.ExitCode == 0, "dotnet tool install failed:\n" + install.StdOut + install.StdErr);

        string tool = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "engine-viz.exe" : "engine-viz");
        Assert.True(File.Exists(tool), tool + " was not installed");
        // The tool's launcher finds the runtime through DOTNET_ROOT when dotnet is not installed system-wide.
        var env = new Dictionary<string, string> { ["DOTNET_ROOT"] = DotnetRoot };
        var run = Run(tool, [photo, "--no-download"], work, env);
        Assert.True(run.ExitCode == 0, $"engine-viz exited {run.ExitCode}:\n{run.StdOut}\n{run.StdErr}");

        string output = Path.Combine(work, "tfkerasvis_bear_viz");
        foreach (string file in new[] { "index.html", "journey.gif", "zoom.gif" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing in {output}; stderr:\n{run.StdErr}");
        Assert.Equal(18, Directory.GetFiles(Path.Combine(output, "layers"), "*.png").Length);
        Assert.Contains("wrote " + output, run.StdOut + run.StdErr);
    }
}
