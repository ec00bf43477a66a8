namespace CnnEngine.Weights;

/// <summary>Download progress: bytes received so far, and the total when the server said it.</summary>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes);

/// <summary>
/// What to resolve and where to look. Every location is a property with the documented default, so tests and
/// callers that must never download can override it.
/// </summary>
public sealed record WeightsQuery
{
    /// <summary>--weights FILE: used alone; if it does not exist that is an error, never a fallback.</summary>
    public string? ExplicitPath { get; init; }

    /// <summary>Whether the top (fc1, fc2, predictions) is needed. Without it either file serves.</summary>
    public bool IncludeTop { get; init; }

    /// <summary>Value of $CNN_ENGINE_WEIGHTS (default: read from the environment). Set but missing is an error.</summary>
    public string? EnvironmentPath { get; init; } = NullIfEmpty(Environment.GetEnvironmentVariable("CNN_ENGINE_WEIGHTS"));

    /// <summary>Keras's cache folder: $KERAS_HOME/models, else ~/.keras/models.</summary>
    public string? KerasCacheDir { get; init; } = DefaultKerasCacheDir();

    /// <summary>Our cache (also where downloads go): $XDG_CACHE_HOME/cnn-engine, else ~/.cache/cnn-engine.</summary>
    public string OwnCacheDir { get; init; } = DefaultOwnCacheDir();

    public bool AllowDownload { get; init; } = true;

    /// <summary>
    /// Check the md5 of release files found in the caches (as Keras's get_file does) and pass over ones that do not
    /// match. Off by default: it reads the whole file (about a second for the 553 MB one).
    /// </summary>
    public bool VerifyCachedFiles { get; init; }

    /// <summary>Folder URL the release files are fetched from (file name appended).</summary>
    public Uri DownloadBaseUrl { get; init; } = KerasWeightsFile.KerasBaseUrl;

    public KerasWeightsFile TopFile { get; init; } = KerasWeightsFile.Top;
    public KerasWeightsFile NoTopFile { get; init; } = KerasWeightsFile.NoTop;

    /// <summary>Called as bytes arrive (roughly every 1 MiB and at the end).</summary>
    public Action<DownloadProgress>? Progress { get; init; }

    /// <summary>Client used for downloads (default: a new one with <see cref="DownloadTimeout"/>).</summary>
    public HttpClient? Http { get; init; }

    /// <summary>Time without progress after which a download is abandoned.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static string DefaultKerasCacheDir()
    {
        string? kerasHome = NullIfEmpty(Environment.GetEnvironmentVariable("KERAS_HOME"));
        return Path.Combine(kerasHome ?? Path.Combine(Home(), ".keras"), "models");
    }

    public static string DefaultOwnCacheDir()
    {
        string? xdg = NullIfEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME"));
        return Path.Combine(xdg ?? Path.Combine(Home(), ".cache"), "cnn-engine");
    }

    private static string Home() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>Where a resolved weights file came from.</summary>
public enum WeightsOrigin { ExplicitPath, EnvironmentVariable, KerasCache, OwnCache, Downloaded }

/// <summary>
/// A resolved weights file. <see cref="IncludesTop"/> is known for the release files by name; for explicit or
/// environment paths it is null (open the file to find out).
/// </summary>
public sealed record ResolvedWeights(string Path, WeightsOrigin Origin, bool? IncludesTop, IReadOnlyList<string> Searched)
{
    public string Describe() => Origin switch
    {
        WeightsOrigin.ExplicitPath => $"{Path} (--weights)",
        WeightsOrigin.EnvironmentVariable => $"{Path} ($CNN_ENGINE_WEIGHTS)",
        WeightsOrigin.KerasCache => $"{Path} (Keras cache)",
        WeightsOrigin.OwnCache => $"{Path} (cnn-engine cache)",
        _ => $"{Path} (downloaded)",
    };
}
