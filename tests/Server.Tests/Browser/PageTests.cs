using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace CnnEngine.Server.Tests.Browser;

/// <summary>
/// The page in headless chromium, as a user drives it: pick a photo, open a layer, click a channel, get its
/// projection; run occlusion and watch progress then the map; the keyboard and the URL; at a phone's 420 px and at
/// desktop width, with no horizontal scroll. Screenshots land in tests/.generated/.
/// </summary>
public sealed class PageTests(BrowserServerFixture server) : IClassFixture<BrowserServerFixture>
{
    private const string Sample = "tfkerasvis_bear.jpg";
    private const string Layer = "block2_conv1";

    private static WebDriverWait Wait(IWebDriver driver, int seconds = 60) =>
        new(driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(100) };

    private static object? Js(IWebDriver driver, string script, params object[] args) => ((IJavaScriptExecutor)driver).ExecuteScript(script, args);

    /// <summary>A channel of <see cref="Layer"/> that is not all zeros for the sample (asked of the API, not the page).</summary>
    private async Task<int> LiveChannel()
    {
        var info = JsonDocument.Parse(await (await server.Client.PostAsync($"api/images?sample={Sample}", null)).Content.ReadAsStringAsync()).RootElement;
        string id = info.GetProperty("id").GetString()!;
        for (int c = 0; c < 128; c++)
        {
            var bytes = await server.Client.GetByteArrayAsync($"api/images/{id}/layers/{Layer}/channels/{c}/values");
            var values = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            if (values.Max() > values.Min()) return c;
        }
        throw new InvalidOperationException("every channel is constant");
    }

    /// <summary>The spread of an image's pixel values, drawn on a canvas in the page (0 = flat, blank).</summary>
    private const string Spread = """
        const img = arguments[0];
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let lo = 255, hi = 0;
        for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) { lo = Math.min(lo, d[i + k]); hi = Math.max(hi, d[i + k]); }
        return hi - lo;
        """;

    [SkippableTheory]
    [InlineData(420, 900)]
    [InlineData(1280, 1000)]
    public async Task PickAPhotoOpenALayerClickAChannelSeeItsProjectionThenOcclude(int width, int height)
    {
        Chromium.Require();
        int channel = await LiveChannel();
        using var session = new Chromium.Session(width, height);
        var driver = session.Driver;
        driver.Navigate().GoToUrl(server.Server.Url);
        Wait(driver).Until(d => (string?)Js(d, "return document.body.dataset.ready") == "model");
        Assert.Equal(width, Convert.ToInt32(Js(driver, "return window.innerWidth")));
        Assert.Equal("random weights: not ImageNet features", driver.FindElement(By.Id("random-weights")).Text);

        new SelectElement(driver.FindElement(By.Id("sample"))).SelectByValue(Sample);
        Wait(driver).Until(d => !string.IsNullOrEmpty((string?)Js(d, "return document.body.dataset.image")));

        var layerButton = driver.FindElement(By.CssSelector($"[data-layer='{Layer}']"));
        Assert.Contains("48×48×128", layerButton.Text);
        layerButton.Click();
        var atlas = driver.FindElement(By.Id("atlas"));
        Wait(driver).Until(_ => Convert.ToInt64(Js(driver, "return arguments[0].complete ? arguments[0].naturalWidth : 0", atlas)) > 0);

        // Click the middle of the channel's tile, where the page shows it (the atlas is scaled to the page's width).
        var geometry = (IReadOnlyDictionary<string, object>)Js(driver, """
            const img = document.getElementById('atlas'); const r = img.getBoundingClientRect();
            return { width: r.width, height: r.height, natural: img.naturalWidth };
            """)!;
        var info = JsonDocument.Parse(await server.Client.GetStringAsync(
            $"api/images/{(string)Js(driver, "return document.body.dataset.image")!}")).RootElement;
        var a = info.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("name").GetString() == Layer).GetProperty("atlas");
        int columns = a.GetProperty("columns").GetInt32(), tileW = a.GetProperty("tileWidth").GetInt32(), tileH = a.GetProperty("tileHeight").GetInt32(), gap = a.GetProperty("gap").GetInt32();
        double scale = Convert.ToDouble(geometry["width"]) / a.GetProperty("width").GetInt32();
        double cx = (gap + channel % columns * (tileW + gap) + tileW / 2.0) * scale, cy = (gap + channel / columns * (tileH + gap) + tileH / 2.0) * scale;
        Js(driver, "arguments[0].scrollIntoView({block: 'center'})", atlas);
        new Actions(driver).MoveToElement(atlas, (int)(cx - Convert.ToDouble(geometry["width"]) / 2), (int)(cy - Convert.ToDouble(geometry["height"]) / 2)).Click().Perform();

        Wait(driver).Until(d => d.FindElement(By.Id("channel-title")).Text == $"{Layer} · channel {channel}");
        var projection = driver.FindElement(By.Id("projection-img"));
        Wait(driver).Until(_ => projection.GetAttribute("data-state") is "ready" or "error");
        Assert.Equal("ready", projection.GetAttribute("data-state"));
        Assert.True(Convert.ToInt64(Js(driver, Spread, projection)) > 20, "the projection is blank");
        Assert.Contains($"layer={Layer}", driver.Url);
        Assert.Contains($"channel={channel}", driver.Url);

        // Values on hover.
        var big = driver.FindElement(By.Id("channel-img"));
        Js(driver, "arguments[0].scrollIntoView({block: 'center'})", big);
        new Actions(driver).MoveToElement(big).Perform();
        Wait(driver, 10).Until(d => d.FindElement(By.Id("value-readout")).Text.Contains(" = "));

        // The keyboard: → is the next channel, ↓ the next layer.
        new Actions(driver).SendKeys(Keys.ArrowRight).Perform();
        Wait(driver, 20).Until(d => d.Url.Contains($"channel={channel + 1}"));
        new Actions(driver).SendKeys(Keys.ArrowDown).Perform();
        Wait(driver, 20).Until(d => d.Url.Contains("layer=block2_conv2"));

        Assert.True(Convert.ToInt64(Js(driver, "return document.documentElement.scrollWidth - document.documentElement.clientWidth")) <= 0,
            $"the page scrolls horizontally at {width} px");

        // Occlusion: progress, then the map.
        Js(driver, """
            window.occlusionTexts = [];
            new MutationObserver(() => window.occlusionTexts.push(document.getElementById('occ-status').textContent))
              .observe(document.getElementById('occ-status'), { childList: true, characterData: true, subtree: true });
            """);
        new SelectElement(driver.FindElement(By.Id("occ-layer"))).SelectByValue("block4_conv3");
        SetNumber(driver, "occ-patch", 24);
        SetNumber(driver, "occ-stride", 12);
        var run = driver.FindElement(By.Id("occ-run"));
        Js(driver, "arguments[0].scrollIntoView({block: 'center'})", run);
        run.Click();
        var map = driver.FindElement(By.Id("occ-map"));
        Wait(driver).Until(_ => map.Displayed && Convert.ToInt64(Js(driver, "return arguments[0].complete ? arguments[0].naturalWidth : 0", map)) > 0);
        var texts = ((IReadOnlyCollection<object>)Js(driver, "return window.occlusionTexts")!).Select(o => (string)o).ToArray();
        Assert.Contains(texts, t => System.Text.RegularExpressions.Regex.IsMatch(t, @"^occluding: [1-9]\d* / 49 positions$"));
        Assert.StartsWith("done: 7×7 positions", texts[^1]);
        Assert.True(Convert.ToDouble(Js(driver, "return document.getElementById('occ-progress').value")) == 49);
        Assert.True(Convert.ToInt64(Js(driver, "return document.documentElement.scrollWidth - document.documentElement.clientWidth")) <= 0);

        File.WriteAllBytes(Path.Combine(ServerTestPaths.Generated, $"server-page-{width}.png"), ((ITakesScreenshot)driver).GetScreenshot().AsByteArray);
        var errors = driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message).ToArray();
        Assert.Empty(errors);
    }

    [SkippableFact]
    public async Task TheUrlRestoresTheViewAndTheAnimationsAndCameraRun()
    {
        Chromium.Require();
        int channel = await LiveChannel();
        using var session = new Chromium.Session(1280, 1000);
        var driver = session.Driver;
        driver.Navigate().GoToUrl(new Uri(server.Server.Url, $"#sample={Sample}&layer={Layer}&channel={channel}&mode=guided"));
        Wait(driver).Until(d => d.FindElement(By.Id("channel-title")).Text == $"{Layer} · channel {channel}");
        Assert.Equal("guided", new SelectElement(driver.FindElement(By.Id("mode"))).SelectedOption.GetAttribute("value"));
        var projection = driver.FindElement(By.Id("projection-img"));
        Wait(driver).Until(_ => projection.GetAttribute("data-state") == "ready");
        Assert.Contains("guided", driver.FindElement(By.Id("projection-caption")).Text);

        driver.FindElement(By.Id("journey-button")).Click();
        var journey = driver.FindElement(By.Id("journey-img"));
        Wait(driver).Until(_ => journey.Displayed && Convert.ToInt64(Js(driver, "return arguments[0].naturalWidth", journey)) > 0);

        // The live camera (chromium's fake device): frames go round trip and the grid shows them.
        driver.FindElement(By.Id("camera-toggle")).Click();
        Wait(driver).Until(d => d.FindElement(By.Id("camera-fps")).Text.Contains("frames/s"));
        Assert.StartsWith("data:image/png;base64,", driver.FindElement(By.Id("atlas")).GetAttribute("src"));
        Assert.Contains("live camera", driver.FindElement(By.Id("grid-title")).Text);
        driver.FindElement(By.Id("camera-toggle")).Click();
        Wait(driver, 20).Until(d => d.FindElement(By.Id("camera-fps")).Text == "");

        // An upload through the file input; the URL then names the image by its id, and reloading restores it.
        driver.FindElement(By.Id("file")).SendKeys(Path.Combine(ServerTestPaths.SharedImages, "ozbulak_cat_dog.png"));
        Wait(driver).Until(d => d.FindElement(By.Id("input-caption")).Text.StartsWith("ozbulak_cat_dog.png", StringComparison.Ordinal));
        Wait(driver).Until(d => d.Url.Contains("image="));
        string uploaded = driver.Url;
        driver.Navigate().GoToUrl("about:blank");
        driver.Navigate().GoToUrl(uploaded);
        Wait(driver).Until(d => d.FindElement(By.Id("input-caption")).Text.StartsWith("ozbulak_cat_dog.png", StringComparison.Ordinal));
    }

    private static void SetNumber(IWebDriver driver, string id, int value)
    {
        var input = driver.FindElement(By.Id(id));
        input.Clear();
        input.SendKeys(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
