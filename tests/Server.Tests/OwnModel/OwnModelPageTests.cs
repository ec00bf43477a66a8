using System.Text.Json;
using CnnEngine.Deconv;
using CnnEngine.Server.Tests.Browser;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;

namespace CnnEngine.Server.Tests.OwnModel;

/// <summary>
/// The page in headless chromium on a user's grayscale 60×60 Keras model: it names the model and its input, hides the
/// VGG16-only animations, lists the Keras layers, and a click on a channel of a small (28×28) map shows its projection.
/// </summary>
public sealed class OwnModelPageTests(OwnModelServerFixture server) : IClassFixture<OwnModelServerFixture>
{
    private const string Sample = "tfkerasvis_bear.jpg";
    private const string Layer = "conv2d_2";

    private static WebDriverWait Wait(IWebDriver driver, int seconds = 60) =>
        new(driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(100) };

    private static object? Js(IWebDriver driver, string script, params object[] args) => ((IJavaScriptExecutor)driver).ExecuteScript(script, args);

    [SkippableFact]
    public async Task ThePageShowsTheOwnModelAndAProjectionAfterAClick()
    {
        Chromium.Require();
        server.Require();
        var (_, tap, _) = server.Direct(Sample);
        int channel = ProjectionSeed.StrongestChannel(tap.Activations[Layer].Image(0), 16);

        using var session = new Chromium.Session(1280, 1000);
        var driver = session.Driver;
        driver.Navigate().GoToUrl(server.Server.Url);
        Wait(driver).Until(d => (string?)Js(d, "return document.body.dataset.ready") == "model");
        Assert.Equal($"{server.Model.Name}, live", driver.FindElement(By.Id("network-name")).Text);
        Assert.Contains("input 60×60 grayscale", driver.FindElement(By.Id("model-info")).Text);
        Assert.True(driver.FindElement(By.Id("animations-panel")).Displayed); // the model's own journey and zoom

        new SelectElement(driver.FindElement(By.Id("sample"))).SelectByValue(Sample);
        Wait(driver).Until(d => !string.IsNullOrEmpty((string?)Js(d, "return document.body.dataset.image")));
        Assert.Contains("→ 60×60", driver.FindElement(By.Id("input-caption")).Text);

        var layerButton = driver.FindElement(By.CssSelector($"[data-layer='{Layer}']"));
        Assert.Contains("28×28×16", layerButton.Text);
        layerButton.Click();
        var atlas = driver.FindElement(By.Id("atlas"));
        Wait(driver).Until(_ => Convert.ToInt64(Js(driver, "return arguments[0].complete ? arguments[0].naturalWidth : 0", atlas)) > 0);

        var geometry = (IReadOnlyDictionary<string, object>)Js(driver, """
            const r = document.getElementById('atlas').getBoundingClientRect(); return { width: r.width, height: r.height };
            """)!;
        var info = JsonDocument.Parse(await server.Client.GetStringAsync($"api/images/{(string)Js(driver, "return document.body.dataset.image")!}")).RootElement;
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
        Assert.Equal(60L, Convert.ToInt64(Js(driver, "return arguments[0].naturalWidth", projection)));
        long spread = Convert.ToInt64(Js(driver, """
            const img = arguments[0];
            const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data;
            let lo = 255, hi = 0;
            for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
            return hi - lo;
            """, projection));
        Assert.True(spread > 20, "the projection is blank");

        File.WriteAllBytes(Path.Combine(ServerTestPaths.Generated, "server-page-own-model.png"), ((ITakesScreenshot)driver).GetScreenshot().AsByteArray);
        var errors = driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message).ToArray();
        Assert.Empty(errors);
    }
}
