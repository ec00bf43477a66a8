using CnnEngine.Fuzz;
using CnnEngine.TestSupport;

namespace CnnEngine.Weights.Tests;

/// <summary>
/// The fuzz harness (fuzz/), bounded for CI: a few thousand mutated inputs per parser, fixed seed, so every run feeds
/// the same inputs. Fails on any exception outside the parser's documented types, a hang (10 s per input) or a huge
/// allocation. The long run (≥ 100,000 inputs per parser) is documented in bench/RESULTS.md.
/// </summary>
public class FuzzHarnessTests
{
    private const int Seed = 13;

    [Theory]
    [InlineData("hdf5", 2000)]
    [InlineData("keras", 2000)]
    [InlineData("safetensors", 2000)]
    [InlineData("features-json", 2000)]
    public void ParserRefusesDamagedInputsWithTypedErrorsOnly(string targetName, int count)
    {
        var report = Run(targetName, count);
        Assert.True(report.Findings.Count == 0, Describe(report));
        Assert.Equal(count, report.Inputs);
        Assert.True(report.Refused > count / 10 && report.Accepted > 0, $"the mutations should both break and keep inputs: {report.Accepted} accepted, {report.Refused} refused");
    }

    /// <summary>Images go through SkiaSharp behind the project's header checks: only ImageException subtypes may escape.</summary>
    [Theory]
    [InlineData("png", 1500)]
    [InlineData("jpeg", 1000)]
    public void ImageLoaderRefusesDamagedInputsWithImageExceptionsOnly(string targetName, int count)
    {
        var report = Run(targetName, count);
        Assert.True(report.Findings.Count == 0, Describe(report));
        Assert.Equal(count, report.Inputs);
        Assert.True(report.Refused > 0 && report.Accepted > 0, $"the mutations should both break and keep inputs: {report.Accepted} accepted, {report.Refused} refused");
    }

    [Fact]
    public void InputsAreTheSameInEveryProcess()
    {
        using var scratch = new Scratch();
        var target = FuzzTargets.All(new SeedFolders(Paths.RepoRoot), scratch.Directory).First(t => t.Name == "safetensors");
        var a = FuzzRunner.Generate(target, Seed, 1234);
        var b = FuzzRunner.Generate(target, Seed, 1234);
        Assert.Equal(a.SeedName, b.SeedName);
        Assert.Equal(a.Input, b.Input);
        // Pinned: a change here means the committed long-run table (bench/RESULTS.md) no longer describes these inputs.
        Assert.Equal("tests/fixtures/weights/keras-wrong-shape.safetensors", a.SeedName);
    }

    private static FuzzReport Run(string targetName, int count)
    {
        using var scratch = new Scratch();
        var target = FuzzTargets.All(new SeedFolders(Paths.RepoRoot), scratch.Directory).Single(t => t.Name == targetName);
        Assert.NotEmpty(target.Seeds);
        return FuzzRunner.Run(target, count, Seed, TimeSpan.FromSeconds(10));
    }

    private static string Describe(FuzzReport r) =>
        $"{r.Target}: {r.Inputs} inputs, {r.Findings.Count} findings (seed {Seed}; replay with dotnet run --project fuzz -- --target {r.Target} --seed {Seed} --count N --save DIR):\n" +
        string.Join("\n", r.Findings.Take(10).Select(f => $"  {f.Kind} #{f.Index} from {f.SeedName}: {f.Detail}"));
}
