using System.Runtime.InteropServices;

namespace CnnEngine.Deconv;

/// <summary>
/// The images of a dataset folder, walked safely: only regular files (a FIFO named x.png would block the reader
/// forever; devices and sockets are not images) — others are skipped with a warning — and each real file once, however
/// many symlinks lead to it (a symlink loop is walked once, not until the path is too long).
/// </summary>
internal static partial class DatasetFiles
{
    /// <summary>'/'-separated paths relative to <paramref name="root"/>, ordinal order; the first name (in that order) of each real file.</summary>
    public static List<string> List(string root, IReadOnlyCollection<string> extensions, Action<string>? warn)
    {
        var files = new List<string>();
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        var seenDirs = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push("");
        while (pending.Count > 0)
        {
            string relative = pending.Pop();
            string dir = relative.Length == 0 ? root : Path.Combine(root, relative);
            if (!seenDirs.Add(RealPath(dir))) continue;   // a symlink loop, or a second link to a folder already walked
            string[] entries;
            try { entries = Directory.GetFileSystemEntries(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warn?.Invoke($"warning: skipping folder {relative}: {e.Message}");
                continue;
            }
            Array.Sort(entries, StringComparer.Ordinal);
            // Push folders in reverse so they are walked in name order.
            for (int i = entries.Length - 1; i >= 0; i--)
            {
                string name = Path.GetRelativePath(root, entries[i]).Replace(Path.DirectorySeparatorChar, '/');
                if (Directory.Exists(entries[i])) pending.Push(name);
            }
            foreach (string entry in entries)
            {
                if (Directory.Exists(entry)) continue;
                if (!extensions.Contains(Path.GetExtension(entry).ToLowerInvariant())) continue;
                string name = Path.GetRelativePath(root, entry).Replace(Path.DirectorySeparatorChar, '/');
                string? kind = NonRegularKind(entry);
                if (kind is not null)
                {
                    warn?.Invoke($"warning: skipping {name}: {kind}, not a regular file");
                    continue;
                }
                if (seenFiles.Add(RealPath(entry))) files.Add(name);
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Null for a regular file (after symlinks); otherwise what it is ("a FIFO", "a device", "a socket", "a broken link").</summary>
    internal static string? NonRegularKind(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        int mode = StatMode(path);
        if (mode < 0) return File.Exists(path) ? null : "a broken link or a vanished file";
        return (mode & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a folder",
            _ => "a special file",
        };
    }

    /// <summary>The canonical path (symlinks and .. resolved); the full path when it cannot be resolved.</summary>
    internal static string RealPath(string path)
    {
        if (OperatingSystem.IsWindows()) return Path.GetFullPath(path);
        nint resolved = realpath(path, 0);
        if (resolved == 0) return Path.GetFullPath(path);
        try { return Marshal.PtrToStringUTF8(resolved) ?? Path.GetFullPath(path); }
        finally { free(resolved); }
    }

    // .NET's own native shim (libSystem.Native, shipped with every runtime) fills a platform-independent FileStatus:
    // { int32 Flags; int32 Mode; ... }, so Mode is at byte 4 on every architecture (unlike libc's struct stat).
    private static int StatMode(string path)
    {
        Span<byte> status = stackalloc byte[512];
        try
        {
            return SystemNativeStat(path, ref MemoryMarshal.GetReference(status)) == 0 ? BitConverter.ToInt32(status[4..8]) : -1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No shim: an empty file is the best sign of a FIFO, device or socket (all report size 0).
            return new FileInfo(path).Length == 0 ? 0x1000 : 0x8000;
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SystemNativeStat(string path, ref byte status);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc")]
    private static partial void free(nint pointer);
}
