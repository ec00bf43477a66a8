using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using CnnEngine.TestSupport;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Server.Tests.OwnModel;

/// <summary>
/// <c>engine-viz serve --model bn_gap.h5 --labels FILE</c> as a user runs it: an RGB 48×48 model with its own Rescaling,
/// folded BatchNormalization, ZeroPadding and an average pool; the URL printed, the model described, a sample's top-5
/// named by the labels file, and a clean stop on SIGINT.
/// </summary>
public sealed class OwnModelServeCommandTests
{
    [SkippableFact]
    public async Task ServeRunsTheOwnModelWithItsLabels()
    {
        Python.SkipIfUnavailable();
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "skipped: sends SIGINT with kill(1)");
        using var dir = Paths.NewTempDir("serve-own-model");
        string labels = Path.Combine(dir.Path, "labels.txt");
        File.WriteAllLines(labels, Enumerable.Range(0, 7).Select(i => $"emotion-{i}"));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { typeof(EngineVizCli).Assembly.Location, "serve", "--model", KerasModelFiles.PathOf("bn_gap.h5"), "--labels", labels,
                     "--port", "0", "--samples", ServerTestPaths.SharedImages })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            var line = process.StandardOutput.ReadLineAsync();
            Assert.True(await Task.WhenAny(line, Task.Delay(TimeSpan.FromSeconds(120))) == line, "no URL within 120 s: " + stderr);
            var match = Regex.Match(await line ?? "", @"^engine-viz serve: (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)$");
            Assert.True(match.Success, $"stdout said: {await line}; stderr: {stderr}");

            using var client = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
            var model = JsonDocument.Parse(await client.GetStringAsync("api/model")).RootElement;
            var input = model.GetProperty("input");
            Assert.Equal((48, 48, 3), (input.GetProperty("height").GetInt32(), input.GetProperty("width").GetInt32(), input.GetProperty("channels").GetInt32()));
            var names = model.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("name").GetString()).ToArray();
            Assert.Contains("zero_padding2d", names);
            Assert.Contains("average_pooling2d", names);
            Assert.Equal("activation", model.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("name").GetString() == "leaky_re_lu").GetProperty("kind").GetString());
            Assert.Equal(7, model.GetProperty("classes").GetInt32());

            var info = JsonDocument.Parse(await (await client.PostAsync("api/images?sample=kerasvis_ouzel1.jpg", null)).Content.ReadAsStringAsync()).RootElement;
            var top5 = info.GetProperty("top5").EnumerateArray().ToArray();
            Assert.Equal(5, top5.Length);
            Assert.All(top5, c => Assert.Equal($"emotion-{c.GetProperty("index").GetInt32()}", c.GetProperty("label").GetString()));

            using (var kill = Process.Start("kill", new[] { "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!)
                await kill.WaitForExitAsync();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(stop.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
