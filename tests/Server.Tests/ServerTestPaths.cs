using System.Runtime.CompilerServices;

namespace CnnEngine.Server.Tests;

/// <summary>Repository paths for these tests, found from this file's compile-time location (works with --artifacts-path too).</summary>
internal static class ServerTestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CnnEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? CnnEngine.TestSupport.Paths.RepoRoot;
    }

    /// <summary>../shared/images: the 8 real photos.</summary>
    public static string SharedImages => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "images"));

    /// <summary>tests/.generated (git-ignored): screenshots kept after a run.</summary>
    public static string Generated
    {
        get
        {
            string dir = Path.Combine(RepoRoot, "tests", ".generated");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
