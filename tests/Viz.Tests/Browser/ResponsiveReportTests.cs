using System.Text.Json.Nodes;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Report;
using CnnEngine.Viz.Tests.Visualize;
using CnnEngine.Viz.Visualize;

namespace CnnEngine.Viz.Tests.Browser;

/// <summary>
/// The report in headless Chromium at phone width (420 px, emulated as a mobile viewport) and at desktop width:
/// the page never scrolls sideways. And the --single-file report, copied alone into an empty folder, shows every
/// picture (all inlined).
/// </summary>
public class ResponsiveReportTests
{
    private const string Overflow = """
        (() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                  widest: [...document.body.querySelectorAll('*')].map(e => e.getBoundingClientRect().right)
                          .reduce((a, b) => Math.max(a, b), 0) }))()
        """;

    private static string RequireChromium()
    {
        string? chromium = HeadlessChromium.Find();
        if (chromium is null && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI must have Debian's chromium installed (apt-get install chromium chromium-driver)");
        Skip.If(chromium is null, "skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return chromium!;
    }

    private static async Task<(int ScrollWidth, int InnerWidth)> MeasureAsync(string chromium, string page, int width, bool mobile)
    {
        await using var browser = await HeadlessChromium.StartAsync(chromium, Math.Max(width, 500), 900);
        await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = 900, ["deviceScaleFactor"] = 1, ["mobile"] = mobile,
        });
        await browser.NavigateAsync(new Uri(page).AbsoluteUri);
        var m = await browser.EvaluateAsync(Overflow);
        if (width == 420) File.WriteAllBytes(Path.Combine(VizTestPaths.Generated, "viz-report-420px.png"), await browser.ScreenshotAsync());
        return (m.GetProperty("scrollWidth").GetInt32(), m.GetProperty("innerWidth").GetInt32());
    }

    private static string MakeReport(TempDir dir, bool singleFile = false)
    {
        string output = Path.Combine(dir.Path, "report");
        var top5 = new[]
        {
            new ClassScore(294, "brown_bear", 0.8f), new ClassScore(1, "goldfish", 0.1f),
            new ClassScore(919, "street_sign_with_a_rather_long_label", 0.05f), new ClassScore(2, "great_white_shark", 0.03f),
            new ClassScore(3, "tiger_shark", 0.02f),
        };
        VisualizeRun.Run(VisualizeOptions.Create(output: output) with { SingleFile = singleFile },
            SyntheticInputs.Make(224, random: true, top5: top5), SilentVizProgress.Instance);
        return output;
    }

    [SkippableTheory]
    [InlineData(420, true)]
    [InlineData(1280, false)]
    public async Task TheReportDoesNotScrollSideways(int width, bool mobile)
    {
        string chromium = RequireChromium();
        using var dir = Paths.NewTempDir("viz-responsive");
        string output = MakeReport(dir);
        var (scrollWidth, innerWidth) = await MeasureAsync(chromium, Path.Combine(output, "index.html"), width, mobile);
        // A mobile viewport grows to fit wider content (then innerWidth grows too): both must stay at the screen's width.
        Assert.True(scrollWidth <= width && innerWidth == width, $"at {width} px the page is {scrollWidth} px wide (viewport {innerWidth}): it scrolls sideways");
    }

    [SkippableFact]
    public async Task TheMeasurementCatchesAPageThatScrollsSideways()
    {
        // The check must be able to fail: a 600 px table on a 420 px screen.
        string chromium = RequireChromium();
        using var dir = Paths.NewTempDir("viz-responsive-wide");
        string page = dir.File("wide.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><head><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>" +
                                "<body><table><tr><td style=\"min-width:600px\">wide</td></tr></table></body></html>");
        var (scrollWidth, innerWidth) = await MeasureAsync(chromium, page, 420, true);
        Assert.True(scrollWidth > 420, $"scrollWidth {scrollWidth}, innerWidth {innerWidth}");
    }

    [SkippableFact]
    public async Task TheSingleFileReportShowsEveryPictureOnItsOwn()
    {
        string chromium = RequireChromium();
        using var dir = Paths.NewTempDir("viz-single");
        string output = MakeReport(dir, singleFile: true);
        string single = Path.Combine(output, VisualizeRun.SingleFileName("/photos/test picture.jpg"));
        Assert.True(File.Exists(single), single + " was not written");
        // Alone in an empty folder, as a mail attachment would be.
        string alone = dir.File("alone.html");
        File.Copy(single, alone);
        string html = File.ReadAllText(alone);
        Assert.DoesNotContain("src=\"layers/", html);
        Assert.DoesNotContain("src=\"zoom.gif\"", html);

        await using var browser = await HeadlessChromium.StartAsync(chromium);
        await browser.NavigateAsync(new Uri(alone).AbsoluteUri);
        var images = (await browser.EvaluateAsync("""
            (async () => { const im = [...document.images]; await Promise.all(im.map(i => i.decode().catch(() => null)));
                           return im.map(i => ({ src: i.getAttribute('src').slice(0, 22), width: i.naturalWidth })); })()
            """)).EnumerateArray().Select(e => (Src: e.GetProperty("src").GetString()!, Width: e.GetProperty("width").GetInt32())).ToArray();
        int pictures = Directory.GetFiles(output, "*.png", SearchOption.AllDirectories).Length + Directory.GetFiles(output, "*.gif").Length;
        Assert.Equal(pictures, images.Length);
        Assert.All(images, i => Assert.StartsWith("data:image/", i.Src));
        Assert.All(images, i => Assert.True(i.Width > 0, $"an inlined picture ({i.Src}…) did not decode"));
        Assert.Empty(browser.Errors);
    }
}
