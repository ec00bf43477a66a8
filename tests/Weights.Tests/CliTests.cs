using System.Diagnostics;
using System.Text.Json;
using CnnEngine.TestSupport;
using static CnnEngine.Weights.Tests.Hdf5FeatureTests;

namespace CnnEngine.Weights.Tests;

/// <summary>Runs the built weights-tools (copied beside the tests) as a separate process.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string StdOut, string StdErr) Run(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "weights-tools.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CNN_ENGINE_DEBUG");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); throw new TimeoutException("weights-tools " + string.Join(' ', args)); }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

public class CliTests
{
    internal static void AssertOneLineError((int ExitCode, string StdOut, string StdErr) r, string expected)
    {
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "stderr should be one line:\n" + r.StdErr);
        Assert.StartsWith("weights-tools: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void MissingFile() => AssertOneLineError(CliRunner.Run("inspect", "/nonexistent/vgg16.h5"), "no such file");

    [Fact]
    public void CorruptFile() => AssertOneLineError(CliRunner.Run("inspect", Fixture("bad-truncated.h5")), "truncated");

    [Fact]
    public void WrongShapeRefusesToConvertAndWritesNothing()
    {
        using var dir = Paths.NewTempDir("cli");
        string output = dir.File("out.safetensors");
        AssertOneLineError(CliRunner.Run("convert", Fixture("keras-wrong-shape.h5"), "-o", output),
            "layer block1_conv1 kernel has shape (3, 3, 3, 32), VGG16 needs (3, 3, 3, 64)");
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void UnknownOptionIsOneLine()
    {
        var r = CliRunner.Run("inspect", "--frobnicate");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void DownloadFromUnreachableServerIsOneLine()
    {
        using var dir = Paths.NewTempDir("cli");
        int port = ResolverTests.FreePort();
        AssertOneLineError(CliRunner.Run("download", "--notop", "--out", dir.Path, "--base-url", $"http://127.0.0.1:{port}/"), "cannot download");
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void InspectJsonReportsTheSmallKerasFile()
    {
        var r = CliRunner.Run("inspect", Fixture("keras-nan.h5"), "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("warning: block1_conv1.kernel holds 2 NaN or infinite values", r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal("Keras2SaveWeights", root.GetProperty("layout").GetString());
        Assert.False(root.GetProperty("vgg16").GetBoolean());
        Assert.Equal(3 * 3 * 3 * 64 + 64, root.GetProperty("parameters").GetInt64());
        Assert.Equal(32, root.GetProperty("md5").GetString()!.Length);
        Assert.Equal(64, root.GetProperty("sha256").GetString()!.Length);
    }
}

[Trait("Category", "FullSize")]
public class FullSizeCliTests
{
    [SkippableTheory]
    [InlineData("applications", false, "138357544", true)]
    [InlineData("applications", true, "14714688", false)]
    public void InspectCountsParametersAndTop(string layout, bool notop, string parameters, bool top)
    {
        Python.SkipIfUnavailable();
        var reference = GeneratedVgg16.Make(layout, notop);
        var r = CliRunner.Run("inspect", reference.Path, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(long.Parse(parameters), doc.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(top, doc.RootElement.GetProperty("includesTop").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("vgg16").GetBoolean());
        Assert.Equal("KerasApplications", doc.RootElement.GetProperty("layout").GetString());
    }
}
