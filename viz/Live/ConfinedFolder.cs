namespace CnnEngine.Viz.Live;

/// <summary>
/// A folder that requests may read files from, and nothing outside it: every relative path is resolved, symbolic
/// links included (each component, as the OS would follow it), and must still be inside the folder's own real path.
/// Anything else — "..", an absolute path, a link pointing out, a NUL — is refused as not found, saying nothing
/// about what exists outside.
/// </summary>
public sealed class ConfinedFolder
{
    private const int MaxLinks = 40;

    /// <summary>The folder's real path (links resolved), without a trailing separator.</summary>
    public string Root { get; }

    public ConfinedFolder(string path)
    {
        string full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"{path}: no such folder");
        Root = RealPath(full).TrimEnd(Path.DirectorySeparatorChar);
        if (Root.Length == 0) Root = Path.DirectorySeparatorChar.ToString();
    }

    /// <summary>The real path of an existing file inside the folder, or <see cref="LiveException"/> NotFound.</summary>
    public string ResolveFile(string relative)
    {
        string refused = $"no such file: {Shorten(relative)}";
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0') || relative.Contains('\\') || Path.IsPathRooted(relative))
            throw LiveException.NotFound(refused);
        string real;
        try
        {
            string full = Path.GetFullPath(Path.Combine(Root, relative));
            if (!Inside(full)) throw LiveException.NotFound(refused);
            real = RealPath(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw LiveException.NotFound(refused);
        }
        if (!Inside(real) || !File.Exists(real)) throw LiveException.NotFound(refused);
        return real;
    }

    /// <summary>True when <paramref name="path"/> (already absolute and normalized) is strictly inside the folder.</summary>
    public bool Inside(string path) =>
        path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ||
        (Root == Path.DirectorySeparatorChar.ToString() && path.Length > 1);

    /// <summary>Resolves every symbolic link along an absolute path (like realpath(3); the last part may not exist).</summary>
    public static string RealPath(string path, int depth = 0)
    {
        if (depth > MaxLinks) throw new IOException("too many levels of symbolic links");
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            FileSystemInfo info = new FileInfo(next);
            if (info.LinkTarget is string target)
            {
                string absolute = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                next = RealPath(absolute, depth + 1);
            }
            current = next;
        }
        return current;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s.Replace('\0', '?') : s[..80].Replace('\0', '?') + "…";
}
