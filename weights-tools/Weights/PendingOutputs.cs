using System.Runtime.InteropServices;

namespace CnnEngine.Weights;

/// <summary>
/// Temporary outputs in progress (a temp file before its rename, a temp folder before its rename, a lock file), so
/// that an interrupt removes them: <see cref="InstallSignalHandlers"/> turns SIGINT and SIGTERM into "remove every
/// pending output, say so in one line, exit 130 / 143". A rename into place happens under the same lock as the
/// removal, so an interrupted run leaves either the complete output or nothing — never a half-written temp.
/// It lives in this library because every writer of the project (weights-tools, engine-viz, the engine's checkpoints)
/// depends on it.
/// </summary>
public static class PendingOutputs
{
    /// <summary>Set CNN_ENGINE_PAUSE_AT=&lt;point&gt; to make a run stop at that point (tests send it a signal there).</summary>
    public const string PauseVariable = "CNN_ENGINE_PAUSE_AT";

    private static readonly object Gate = new();
    private static readonly Dictionary<long, (string Path, bool IsFolder)> Pending = new();
    private static long _next;
    private static volatile bool _interrupted;

    /// <summary>True once an interrupt started removing the outputs: the process is about to exit.</summary>
    public static bool Interrupted => _interrupted;

    /// <summary>Registers a temp file or folder; dispose the token once it was renamed or removed.</summary>
    public static IDisposable Track(string path, bool isFolder)
    {
        lock (Gate)
        {
            WaitIfInterrupted();
            long id = ++_next;
            Pending[id] = (Path.GetFullPath(path), isFolder);
            return new Token(id);
        }
    }

    /// <summary>Runs <paramref name="rename"/> (the temp into place) and forgets the temp, atomically with respect to an interrupt.</summary>
    public static void Complete(IDisposable token, Action rename)
    {
        lock (Gate)
        {
            WaitIfInterrupted();
            rename();
            token.Dispose();
        }
    }

    /// <summary>Stops here when the test hook names <paramref name="point"/> (a line on stderr says so first).</summary>
    public static void PausePoint(string point)
    {
        if (Environment.GetEnvironmentVariable(PauseVariable) != point) return;
        Console.Error.WriteLine($"paused at {point} ({PauseVariable})");
        Console.Error.Flush();
        Thread.Sleep(TimeSpan.FromMinutes(5));
    }

    /// <summary>Removes every pending output; returns how many were removed. Later Track/Complete calls block forever.</summary>
    public static int RemoveAll()
    {
        lock (Gate)
        {
            _interrupted = true;
            int removed = 0;
            foreach (var (path, isFolder) in Pending.Values)
            {
                // Another thread may still be writing into a temp folder: retry a few times.
                for (int attempt = 0; attempt < 10; attempt++)
                {
                    try
                    {
                        if (isFolder) { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
                        else if (File.Exists(path)) File.Delete(path);
                        removed++;
                        break;
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(20); }
                }
            }
            Pending.Clear();
            return removed;
        }
    }

    /// <summary>SIGINT → exit 130, SIGTERM → exit 143, after removing the pending outputs. Keep the result alive for the run.</summary>
    public static IDisposable InstallSignalHandlers(string tool)
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsBrowser()) return new Token(0);
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, tool, "SIGINT", 130)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, tool, "SIGTERM", 143)),
        };
        return new Registrations(registrations);
    }

    /// <summary>
    /// Set by a command that stops itself on SIGINT/SIGTERM (engine-viz serve: the web host's own lifetime): with no
    /// unfinished output to remove, the signal is left to it instead of exiting here.
    /// </summary>
    public static bool HostStopsOnSignals { get; set; }

    private static void OnSignal(PosixSignalContext context, string tool, string name, int exitCode)
    {
        if (HostStopsOnSignals)
            lock (Gate)
                if (Pending.Count == 0) return;
        context.Cancel = true;   // we exit ourselves, after the cleanup
        int removed = RemoveAll();
        Console.Error.WriteLine($"{tool}: interrupted ({name}){(removed > 0 ? $"; removed {removed} unfinished output(s)" : "")}");
        Console.Error.Flush();
        Environment.Exit(exitCode);
    }

    private static void WaitIfInterrupted()
    {
        // The interrupt handler holds or held the lock and is exiting the process: never start a new output now.
        if (_interrupted) Thread.Sleep(Timeout.Infinite);
    }

    private sealed class Token(long id) : IDisposable
    {
        public void Dispose()
        {
            if (id == 0) return;
            lock (Gate) Pending.Remove(id);
        }
    }

    private sealed class Registrations(List<PosixSignalRegistration> list) : IDisposable
    {
        public void Dispose() { foreach (var r in list) r.Dispose(); }
    }
}
