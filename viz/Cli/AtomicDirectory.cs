namespace CnnEngine.Viz.Cli;

/// <summary>
/// Builds an output folder under a temporary sibling name and renames it into place only when everything was
/// written, so a failed run leaves nothing half-written behind. An existing folder is refused unless it is empty
/// or <c>force</c> is given (then it is replaced as a whole).
/// </summary>
public sealed class AtomicDirectory : IDisposable
{
    private bool _committed;
    public string FinalPath { get; }
    public string WorkPath { get; }

    public AtomicDirectory(string finalPath, bool force)
    {
        FinalPath = Path.GetFullPath(finalPath);
        if (System.IO.File.Exists(FinalPath)) throw new CliException($"{finalPath} exists and is a file, not a folder");
        if (Directory.Exists(FinalPath) && Directory.EnumerateFileSystemEntries(FinalPath).Any() && !force)
            throw new CliException($"{finalPath} is not empty (use --force to replace it)");
        string parent = Path.GetDirectoryName(FinalPath) ?? ".";
        try
        {
            Directory.CreateDirectory(parent);
            WorkPath = Path.Combine(parent, $".{Path.GetFileName(FinalPath)}.tmp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
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
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        try { if (Directory.Exists(WorkPath)) Directory.Delete(WorkPath, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
