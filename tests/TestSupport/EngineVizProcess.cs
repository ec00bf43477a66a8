using System.Diagnostics;
using Xunit;

namespace CnnEngine.TestSupport;

/// <summary>
/// Runs the engine-viz CLI as a user does — its dll in a child process (test projects reference viz, so the build copies
/// engine-viz.dll beside them) — and returns the exit code, stdout and stderr. A run past the timeout is killed and fails.
/// </summary>
public static class EngineVizProcess
{
    public static (int ExitCode, string StdOut, string StdErr) Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "engine-viz.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing (the test project references viz, so the build copies it)");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CNN_ENGINE_WEIGHTS");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit((int)timeout.TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"engine-viz {string.Join(' ', args)} ran past {timeout} (a hang)");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
