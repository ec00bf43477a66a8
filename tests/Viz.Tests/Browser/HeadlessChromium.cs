using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CnnEngine.Viz.Tests.Browser;

/// <summary>
/// Drives Debian's headless Chromium over the DevTools protocol (a websocket, System.Net.WebSockets):
/// opens a page, waits for its load event, evaluates script, records console errors, takes screenshots.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public static readonly string[] Candidates = { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" };

    /// <summary>The browser executable, or null when none is installed.</summary>
    public static string? Find() =>
        Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } env && File.Exists(env) ? env : Candidates.FirstOrDefault(File.Exists);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private int _nextId;
    private string? _session;

    /// <summary>Console errors, uncaught exceptions and error log entries (failed loads) seen so far.</summary>
    public List<string> Errors { get; } = new();

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync(string executable, int width = 1200, int height = 1500)
    {
        string profile = Path.Combine(Path.GetTempPath(), $"chromium-profile-{Guid.NewGuid():N}");
        var psi = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
            "--disable-sync", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
            "--remote-debugging-port=0", $"--user-data-dir={profile}", $"--window-size={width},{height}", "about:blank",
        }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var browser = new HeadlessChromium(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) { endpoint.TrySetException(new InvalidOperationException("chromium exited: " + log)); return; }
            lock (log) log.AppendLine(e.Data);
            var m = DevToolsLine().Match(e.Data);
            if (m.Success) endpoint.TrySetResult(m.Groups[1].Value);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var done = await Task.WhenAny(endpoint.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (done != endpoint.Task)
        {
            await browser.DisposeAsync();
            throw new TimeoutException("chromium did not print its DevTools endpoint within 60 s: " + log);
        }
        await browser._socket.ConnectAsync(new Uri(await endpoint.Task), CancellationToken.None);
        browser._reader = Task.Run(browser.ReadLoop);

        var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
        var attached = await browser.SendAsync("Target.attachToTarget",
            new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, browserLevel: true);
        browser._session = attached.GetProperty("sessionId").GetString();
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Runtime.enable");
        await browser.SendAsync("Log.enable");
        await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false,
        });
        return browser;
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel && _session is not null) message["sessionId"] = _session;
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        byte[] bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
        var done = await Task.WhenAny(tcs.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (done != tcs.Task) throw new TimeoutException($"DevTools {method} timed out");
        return await tcs.Task;
    }

    /// <summary>Navigates and waits for the load event (all images fetched or failed).</summary>
    public async Task NavigateAsync(string url)
    {
        while (_events.TryDequeue(out _)) { }
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            while (_events.TryDequeue(out var e))
                if (e.Method == "Page.loadEventFired") return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{url} did not finish loading within 60 s");
    }

    /// <summary>Evaluates an expression (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true,
        });
        if (r.TryGetProperty("exceptionDetails", out var ex)) throw new InvalidOperationException("script failed: " + ex);
        return r.GetProperty("result").GetProperty("value");
    }

    public async Task<byte[]> ScreenshotAsync(bool fullPage = false)
    {
        var p = new JsonObject { ["format"] = "png" };
        if (fullPage) p["captureBeyondViewport"] = true;
        var r = await SendAsync("Page.captureScreenshot", p);
        return Convert.FromBase64String(r.GetProperty("data").GetString()!);
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[1 << 20];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                using var doc = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                var root = doc.RootElement.Clone();
                if (root.TryGetProperty("id", out var id))
                {
                    if (_pending.TryRemove(id.GetInt32(), out var tcs))
                    {
                        if (root.TryGetProperty("error", out var error)) tcs.TrySetException(new InvalidOperationException("DevTools error: " + error));
                        else tcs.TrySetResult(root.GetProperty("result"));
                    }
                }
                else if (root.TryGetProperty("method", out var method))
                {
                    var parameters = root.TryGetProperty("params", out var p) ? p : default;
                    Record(method.GetString()!, parameters);
                    _events.Enqueue((method.GetString()!, parameters));
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
    }

    private void Record(string method, JsonElement p)
    {
        lock (Errors)
        {
            if (method == "Runtime.consoleAPICalled" && p.GetProperty("type").GetString() is "error" or "assert")
                Errors.Add("console." + p.GetProperty("type").GetString() + ": " + p.GetProperty("args"));
            else if (method == "Runtime.exceptionThrown")
                Errors.Add("exception: " + p.GetProperty("exceptionDetails"));
            else if (method == "Log.entryAdded" && p.GetProperty("entry").GetProperty("level").GetString() == "error")
                Errors.Add("log: " + p.GetProperty("entry").GetProperty("text").GetString() + " " +
                           (p.GetProperty("entry").TryGetProperty("url", out var u) ? u.GetString() : ""));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                _session = null;
                var close = SendAsync("Browser.close", browserLevel: true);
                await Task.WhenAny(close, Task.Delay(3000));
            }
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException or TimeoutException) { }
        _stop.Cancel();
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _socket.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
