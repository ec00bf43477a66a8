using System.Globalization;
using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// A lock file in an output folder (<c>.engine-viz.lock</c>, holding the pid), held for the whole run: a second run
/// writing to the same folder is refused — unless --force — instead of silently replacing the first one's output.
/// The lock is an exclusive open (flock on Linux), so the kernel releases it when a run dies; a stale file left by a
/// killed run does not block anyone.
/// </summary>
public sealed class OutputLock : IDisposable
{
    public const string FileName = ".engine-viz.lock";

    private readonly FileStream? _stream;
    private readonly IDisposable? _pendingFile;
    private readonly IDisposable? _pendingFolder;
    private readonly string _folder;
    private readonly bool _createdFolder;

    private OutputLock(string folder, FileStream? stream, bool createdFolder, IDisposable? pendingFile, IDisposable? pendingFolder)
    {
        _folder = folder; _stream = stream; _createdFolder = createdFolder; _pendingFile = pendingFile; _pendingFolder = pendingFolder;
    }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed (this checks it can be written, before any work) and locks it.
    /// Another live run's lock is a <see cref="CliException"/> unless <paramref name="force"/>.
    /// </summary>
    public static OutputLock Acquire(string folder, bool force)
    {
        string full = Path.GetFullPath(folder);
        if (File.Exists(full)) throw new CliException($"{folder} is a file, not a folder");
        bool created = !Directory.Exists(full);
        IDisposable? pendingFolder = null;
        try
        {
            if (created)
            {
                pendingFolder = PendingOutputs.Track(full, isFolder: true);   // an interrupt removes a folder we made
                Directory.CreateDirectory(full);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            pendingFolder?.Dispose();
            throw new CliException($"cannot create {folder}: {e.Message}");
        }
        string path = Path.Combine(full, FileName);
        var pendingFile = PendingOutputs.Track(path, isFolder: false);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            return new OutputLock(full, stream, created, pendingFile, pendingFolder);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            pendingFile.Dispose();
            if (!force)
                throw new CliException($"{folder} is being written by another engine-viz run (it holds {FileName}); wait for it, or use --force");
            return new OutputLock(full, null, false, null, pendingFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            pendingFile.Dispose();
            pendingFolder?.Dispose();
            throw new CliException($"cannot write to {folder}: {e.Message}");
        }
    }

    /// <summary>True when the folder holds anything but our lock file.</summary>
    public static bool HasContent(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) != FileName);

    /// <summary>
    /// The exclusive lock is taken: .NET reports EWOULDBLOCK from flock as an IOException whose HResult is the raw errno
    /// (11 on Linux) on Unix, ERROR_SHARING_VIOLATION on Windows.
    /// </summary>
    private static bool IsHeldElsewhere(IOException e) =>
        e.HResult is 11 or 35 or unchecked((int)0x80070020) || e.Message.Contains("used by another process", StringComparison.Ordinal);

    public void Dispose()
    {
        if (_stream is null) { _pendingFolder?.Dispose(); return; }
        string path = Path.Combine(_folder, FileName);
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stream.Dispose();
        _pendingFile?.Dispose();
        // A folder we made only to hold the lock, left empty by a failed run, goes too.
        try { if (_createdFolder && Directory.Exists(_folder) && !Directory.EnumerateFileSystemEntries(_folder).Any()) Directory.Delete(_folder); }
        catch (IOException) { } catch (UnauthorizedAccessException) { }
        _pendingFolder?.Dispose();
    }
}
