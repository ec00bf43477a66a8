using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Builds an output folder under a temporary sibling name and renames it into place only when everything was
/// written, so a failed or interrupted run (SIGINT/SIGTERM: see <see cref="PendingOutputs"/>) leaves nothing
/// half-written behind. An existing folder is refused unless it is empty (but for our lock file) or <c>force</c> is
/// given (then it is replaced as a whole).
/// </summary>
public sealed class AtomicDirectory : IDisposable
{
    private bool _committed;
    private readonly IDisposable _pending;
    public string FinalPath { get; }
    public string WorkPath { get; }

    public AtomicDirectory(string finalPath, bool force)
    {
        FinalPath = Path.GetFullPath(finalPath);
        if (System.IO.File.Exists(FinalPath)) throw new CliException($"{finalPath} exists and is a file, not a folder");
        if (!force && OutputLock.HasContent(FinalPath))
            throw new CliException($"{finalPath} is not empty (use --force to replace it)");
        string parent = Path.GetDirectoryName(FinalPath) ?? ".";
        try
        {
            Directory.CreateDirectory(parent);
            WorkPath = Path.Combine(parent, $".{Path.GetFileName(FinalPath)}.tmp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
            _pending = PendingOutputs.Track(WorkPath, isFolder: true);
            Directory.CreateDirectory(WorkPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write to {parent}: {e.Message}");
        }
    }

    public string File(string name) => Path.Combine(WorkPath, name);

    public void Commit()
    {
        PendingOutputs.PausePoint("output-folder");
        PendingOutputs.Complete(_pending, () =>
        {
            if (Directory.Exists(FinalPath))
            {
                string old = FinalPath + $".old-{Environment.ProcessId}";
                Directory.Move(FinalPath, old);
                Directory.Move(WorkPath, FinalPath);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(WorkPath, FinalPath);
            }
        });
        _committed = true;
    }

    public void Dispose()
    {
        _pending.Dispose();
        if (_committed) return;
        try { if (Directory.Exists(WorkPath)) Directory.Delete(WorkPath, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
