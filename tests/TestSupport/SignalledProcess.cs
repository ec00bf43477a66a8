using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace CnnEngine.TestSupport;

/// <summary>
/// Runs a built tool (<c>dotnet TOOL.dll …</c>) as a child process, waits until it says on stderr that it reached a
/// point (the CNN_ENGINE_PAUSE_AT hook stops it there, mid-write), sends it a POSIX signal, and reports how it ended.
/// Deterministic: the signal arrives exactly at the pause point, never before the temp output exists.
/// </summary>
public static partial class SignalledProcess
{
    public const int SIGINT = 2, SIGTERM = 15;

    public sealed record Outcome(int ExitCode, string StdOut, string StdErr);

    /// <param name="whilePaused">Runs while the child is stopped at the pause point, before the signal (e.g. a concurrent run).</param>
    public static Outcome RunAndSignal(string dll, IEnumerable<string> args, string pausePoint, int signal, TimeSpan? timeout = null,
        Action? whilePaused = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(3);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CNN_ENGINE_DEBUG");
        psi.Environment["CNN_ENGINE_PAUSE_AT"] = pausePoint;
        using var p = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var paused = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data.StartsWith($"paused at {pausePoint}", StringComparison.Ordinal)) paused.Set();
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEndAsync();
        bool reached = paused.Wait(limit);
        if (!reached)
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"the child never reached {pausePoint}; exit {(p.HasExited ? p.ExitCode : -1)}, stderr:\n{stderr}");
        }
        try { whilePaused?.Invoke(); }
        catch
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        if (kill(p.Id, signal) != 0) throw new InvalidOperationException($"kill({p.Id}, {signal}) failed");
        if (!p.WaitForExit((int)limit.TotalMilliseconds)) { p.Kill(true); throw new TimeoutException("the child did not exit after the signal"); }
        p.WaitForExit();
        lock (stderr) return new Outcome(p.ExitCode, stdout.Result, stderr.ToString());
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
