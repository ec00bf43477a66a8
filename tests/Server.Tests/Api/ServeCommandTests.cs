using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Server.Tests.Api;

/// <summary><c>engine-viz serve</c> as a user runs it: prints the URL, answers, warns off loopback, stops on Ctrl-C (SIGINT) with exit 0.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--cache-mb", "1")]
    [InlineData("--queue", "0")]
    [InlineData("--features", "/no/such/folder")]
    public void BadOptionsFailWithOneLineBeforeLoadingAnything(string option, string value)
    {
        Assert.NotEqual(0, EngineVizCli.Run(new[] { "serve", "--weights", "random", option, value }));
    }

    [SkippableFact]
    public async Task ServePrintsTheUrlAnswersAndStopsCleanlyOnSigint()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "skipped: sends SIGINT with kill(1)");
        string dll = typeof(EngineVizCli).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", "--weights", "random", "--port", "0", "--host", "0.0.0.0", "--samples", ServerTestPaths.SharedImages })
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
            Assert.True(match.Success, $"stdout said: {await line}");

            using var client = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
            var model = JsonDocument.Parse(await client.GetStringAsync("api/model")).RootElement;
            Assert.True(model.GetProperty("randomWeights").GetBoolean());
            Assert.True(model.GetProperty("hasTop").GetBoolean()); // random weights come with the top here: the page has a top-5
            Assert.Equal(8, model.GetProperty("samples").GetArrayLength());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

            using (var kill = Process.Start("kill", new[] { "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!)
                await kill.WaitForExitAsync();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(stop.Token);
            Assert.Equal(0, process.ExitCode);
            string err;
            lock (stderr) err = stderr.ToString();
            Assert.Contains("warning: serving on 0.0.0.0", err);
            Assert.Contains("random weights", err);
            Assert.DoesNotContain("   at ", err);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
