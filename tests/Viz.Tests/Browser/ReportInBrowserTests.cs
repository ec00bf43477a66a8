using System.Text.Json;
using System.Text.RegularExpressions;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Rendering;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Tests.Visualize;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Browser;

/// <summary>
/// Opens a generated index.html from disk in headless Chromium: every image must decode (naturalWidth &gt; 0) and the
/// console must stay free of errors. Skips when Chromium is not installed locally; in CI (CI=true) that is a failure.
/// The screenshot is kept in tests/.generated/viz-report-screenshot.png.
/// </summary>
public class ReportInBrowserTests
{
    private const string ImageCheck = """
        (async () => {
          const images = [...document.images];
          await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; })));
          await Promise.all(images.map(i => i.decode().catch(() => null)));
          return images.map(i => ({ src: i.getAttribute('src'), width: i.naturalWidth, height: i.naturalHeight }));
        })()
        """;

    private static string RequireChromium()
    {
        string? chromium = HeadlessChromium.Find();
        if (chromium is null && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI must have Debian's chromium installed (apt-get install chromium chromium-driver)");
        Skip.If(chromium is null, "skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return chromium!;
    }

    [SkippableFact]
    public async Task EveryImageOfTheReportDecodesAndTheConsoleStaysClean()
    {
        string chromium = RequireChromium();
        using var dir = Paths.NewTempDir("viz-browser");
        string output = Path.Combine(dir.Path, "report");
        var section = new ReportSection("Deconvnet", "<figure><img src=\"deconv/x.png\" alt=\"x\"></figure>",
            new[] { new ReportAsset("deconv/x.png", PngWriter.Encode(new byte[] { 255, 0, 0, 0, 255, 0 }, 2, 1, 3)) });
        var top5 = new[] { new ClassScore(294, "brown_bear", 0.8f), new ClassScore(1, "goldfish", 0.1f) };
        var result = VisualizeRun.Run(VisualizeOptions.Create(output: output),
            SyntheticInputs.Make(96, random: true, top5: top5, sections: new[] { section }), SilentVizProgress.Instance);

        string html = File.ReadAllText(Path.Combine(output, "index.html"));
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*""(https?:)?//|url\(\s*['""]?(https?:)?//", RegexOptions.IgnoreCase), html);

        await using var browser = await HeadlessChromium.StartAsync(chromium);
        await browser.NavigateAsync(new Uri(Path.Combine(output, "index.html")).AbsoluteUri);
        var images = (await browser.EvaluateAsync(ImageCheck)).EnumerateArray()
            .Select(e => (Src: e.GetProperty("src").GetString()!, Width: e.GetProperty("width").GetInt32())).ToArray();
        File.WriteAllBytes(Path.Combine(VizTestPaths.Generated, "viz-report-screenshot.png"), await browser.ScreenshotAsync());

        int pictures = result.Files.Count(f => f.RelativePath.EndsWith(".png") || f.RelativePath.EndsWith(".gif"));
        Assert.Equal(pictures, images.Length);
        Assert.All(images, i => Assert.True(i.Width > 0, $"{i.Src} did not decode (naturalWidth 0)"));
        Assert.Contains(images, i => i.Src == "zoom.gif");
        Assert.Empty(browser.Errors);
        var banner = await browser.EvaluateAsync("document.getElementById('random-weights')?.textContent ?? ''");
        Assert.Equal("random weights: not ImageNet features", banner.GetString());
    }

    [SkippableFact]
    public async Task TheCheckCatchesABrokenImage()
    {
        // The harness must be able to fail: a missing picture shows as naturalWidth 0 and as an error entry.
        string chromium = RequireChromium();
        using var dir = Paths.NewTempDir("viz-browser-broken");
        string page = Path.Combine(dir.Path, "broken.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><img src=\"missing.png\" alt=\"m\"></body></html>");
        await using var browser = await HeadlessChromium.StartAsync(chromium, 400, 300);
        await browser.NavigateAsync(new Uri(page).AbsoluteUri);
        var images = (await browser.EvaluateAsync(ImageCheck)).EnumerateArray().ToArray();
        Assert.Single(images);
        Assert.Equal(0, images[0].GetProperty("width").GetInt32());
        await Task.Delay(200);
        Assert.NotEmpty(browser.Errors);
    }
}
