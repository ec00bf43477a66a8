namespace CnnEngine.TestSupport;

/// <summary>Where things are when tests run: the repository root, ../shared/images, a scratch folder.</summary>
public static class Paths
{
    private static readonly Lazy<string> RepoRootLazy = new(() =>
    {
        // $CNNENGINE_REPO first (builds with --artifacts-path live outside the repo), then the test binary's
        // folder, then the current folder.
        string? env = Environment.GetEnvironmentVariable("CNNENGINE_REPO");
        if (env is not null && File.Exists(Path.Combine(env, "CnnEngine.sln"))) return Path.GetFullPath(env);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CnnEngine.sln"))) dir = dir.Parent;
            if (dir is not null) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find CnnEngine.sln above " + AppContext.BaseDirectory + " or the current folder");
    });

    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>The real photos (see ../shared/images/SOURCES.md), beside the repository.</summary>
    public static string SharedImages => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "images"));

    public static string SharedImage(string name) => Path.Combine(SharedImages, name);

    /// <summary>Files generated during a test run (full-size weights, reference tensors); git-ignored.</summary>
    public static string Generated
    {
        get
        {
            string dir = Path.Combine(RepoRoot, "tests", ".generated");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>A new empty temporary folder, removed by the caller's Dispose.</summary>
    public static TempDir NewTempDir(string prefix = "cnn") => new(prefix);
}

public sealed class TempDir : IDisposable
{
    public string Path { get; }
    public TempDir(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
