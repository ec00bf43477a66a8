using OpenQA.Selenium.Chrome;

namespace CnnEngine.Server.Tests.Browser;

/// <summary>
/// Debian's chromium driven through its chromium-driver with Selenium WebDriver: headless, no sandbox (CI runs as
/// root), no GPU, no network chatter, a fresh profile each time, a fake camera. Never downloads a driver or a
/// browser: both paths are given explicitly, so Selenium Manager is not asked.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Browsers = { "/usr/bin/chromium", "/usr/bin/chromium-browser" };
    private static readonly string[] Drivers = { "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver" };

    public static string? Browser => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } b && File.Exists(b) ? b : Browsers.FirstOrDefault(File.Exists);
    public static string? Driver => Environment.GetEnvironmentVariable("CHROMEDRIVER") is { Length: > 0 } d && File.Exists(d) ? d : Drivers.FirstOrDefault(File.Exists);

    /// <summary>Skips the test (with the reason) when chromium or its driver is missing; in CI (CI=true) that is a failure.</summary>
    public static void Require()
    {
        string? missing = Browser is null ? "chromium" : Driver is null ? "chromium-driver (chromedriver)" : null;
        if (missing is null) return;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException($"CI must have Debian's {missing} installed (apt-get install chromium chromium-driver)");
        Skip.If(true, $"skipped: {missing} not installed (apt-get install -y chromium chromium-driver)");
    }

    public sealed class Session : IDisposable
    {
        private readonly string _profile;
        public ChromeDriver Driver { get; }

        public Session(int width, int height)
        {
            _profile = Path.Combine(Path.GetTempPath(), $"chromium-profile-{Guid.NewGuid():N}");
            var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Chromium.Driver!)!, Path.GetFileName(Chromium.Driver!));
            service.SuppressInitialDiagnosticInformation = true;
            service.HideCommandPromptWindow = true;
            var options = new ChromeOptions { BinaryLocation = Browser! };
            options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--user-data-dir={_profile}", $"--window-size={width},{height}");
            Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
            Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
            // Headless chromium keeps windows at least 500 px wide: emulate the viewport so a phone's width is real.
            Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
            {
                ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = width < 500,
            });
        }

        public void Dispose()
        {
            try { Driver.Quit(); } catch (OpenQA.Selenium.WebDriverException) { }
            Driver.Dispose();
            try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
