using System.Runtime.CompilerServices;

namespace CnnEngine.Viz.Tests;

/// <summary>
/// Repository paths for these tests. Found from this source file's compile-time location, so the tests also work
/// when built with --artifacts-path outside the repository (where TestSupport's search for CnnEngine.sln fails).
/// </summary>
internal static class VizTestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string source = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(source)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CnnEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? CnnEngine.TestSupport.Paths.RepoRoot;
    }

    public static string Script(string name) => Path.Combine(RepoRoot, "tests", "Viz.Tests", "python", name);

    /// <summary>tests/.generated (git-ignored): artifacts kept after a run, such as the browser screenshot.</summary>
    public static string Generated
    {
        get
        {
            string dir = Path.Combine(RepoRoot, "tests", ".generated");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static string SharedImage(string name) => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "images", name));
}
