using System.Diagnostics;
using Xunit;

namespace CnnEngine.TestSupport;

/// <summary>
/// Runs Debian's /usr/bin/python3 (with torch, h5py, numpy, PIL) to make fixtures and reference tensors.
/// Tests that need it skip with a reason when it is missing — and CI installs it, so there they run.
/// </summary>
public static class Python
{
    public const string Executable = "/usr/bin/python3";

    private static readonly Lazy<string?> MissingReason = new(() =>
    {
        if (!File.Exists(Executable)) return "skipped: /usr/bin/python3 not installed";
        var r = RunRaw(new[] { "-c", "import numpy, h5py, PIL, torch" }, TimeSpan.FromMinutes(2));
        return r.ExitCode == 0 ? null : "skipped: python3 lacks numpy/h5py/PIL/torch: " + r.StdErr.Trim().Split('\n').Last();
    });

    /// <summary>Skips the calling [SkippableFact] when python3 with torch, h5py, numpy and PIL is unavailable.</summary>
    public static void SkipIfUnavailable()
    {
        string? reason = MissingReason.Value;
        // In CI the packages are installed by .ci/run: a missing python there is a failure, not a skip.
        if (reason is not null && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI must have python3 with torch/h5py/numpy/PIL: " + reason);
        Skip.If(reason is not null, reason);
    }

    /// <summary>Runs a script with arguments; throws with its stderr when it fails.</summary>
    public static string Run(string scriptPath, params string[] args) => Run(scriptPath, TimeSpan.FromMinutes(20), args);

    public static string Run(string scriptPath, TimeSpan timeout, params string[] args)
    {
        var r = RunRaw(new[] { scriptPath }.Concat(args).ToArray(), timeout);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"python3 {scriptPath} {string.Join(' ', args)} failed ({r.ExitCode}):\n{r.StdErr}");
        return r.StdOut;
    }

    public static (int ExitCode, string StdOut, string StdErr) RunRaw(string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit((int)timeout.TotalMilliseconds))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', args)} ran past {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
