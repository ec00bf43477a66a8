namespace CnnEngine.Weights;

/// <summary>
/// Finds VGG16 weights the way Keras would, in this order:
/// explicit path → $CNN_ENGINE_WEIGHTS → Keras's cache (full file first, then notop) → our cache (same two
/// names) → download into our cache from the URL Keras uses (md5 checked before the file gets its name).
/// An explicit path or environment value that does not exist is an error — never a silent fallback.
/// When the top is wanted only the full file qualifies; otherwise either does.
/// </summary>
public static class WeightsResolver
{
    public static ResolvedWeights Resolve(WeightsQuery q)
    {
        var searched = new List<string>();
        if (q.ExplicitPath is not null)
        {
            if (Directory.Exists(q.ExplicitPath)) throw new WeightsNotFoundException($"--weights {q.ExplicitPath}: is a folder, not a weights file");
            if (!File.Exists(q.ExplicitPath)) throw new WeightsNotFoundException($"--weights {q.ExplicitPath}: no such file");
            return new ResolvedWeights(Path.GetFullPath(q.ExplicitPath), WeightsOrigin.ExplicitPath, null, new[] { q.ExplicitPath });
        }
        if (q.EnvironmentPath is not null)
        {
            if (!File.Exists(q.EnvironmentPath)) throw new WeightsNotFoundException($"$CNN_ENGINE_WEIGHTS names {q.EnvironmentPath}, which does not exist");
            return new ResolvedWeights(Path.GetFullPath(q.EnvironmentPath), WeightsOrigin.EnvironmentVariable, null, new[] { q.EnvironmentPath });
        }
        var candidates = q.IncludeTop ? new[] { q.TopFile } : new[] { q.TopFile, q.NoTopFile };
        foreach (var (dir, origin) in new[] { (q.KerasCacheDir, WeightsOrigin.KerasCache), (q.OwnCacheDir, WeightsOrigin.OwnCache) })
        {
            if (dir is null) continue;
            foreach (var file in candidates)
            {
                string path = Path.Combine(dir, file.FileName);
                searched.Add(path);
                if (!File.Exists(path)) continue;
                if (q.VerifyCachedFiles && !Md5Matches(path, file.Md5))
                {
                    searched[^1] += " (md5 mismatch: skipped)";
                    continue;
                }
                return new ResolvedWeights(path, origin, file.IncludesTop, searched);
            }
        }
        var wanted = q.IncludeTop ? q.TopFile : q.NoTopFile;
        if (!q.AllowDownload)
            throw new WeightsNotFoundException($"no VGG16 weights found (looked in {string.Join(", ", searched)}) and downloading is off: " +
                $"get {wanted.FileName} with 'weights-tools download{(q.IncludeTop ? "" : " --notop")}' or pass --weights FILE");
        string destination = Path.Combine(q.OwnCacheDir, wanted.FileName);
        var url = new Uri(q.DownloadBaseUrl, wanted.FileName);
        WeightsDownloader.Download(url, destination, wanted.Md5, q.Progress, q.Http, q.DownloadTimeout);
        searched.Add(url.ToString());
        return new ResolvedWeights(destination, WeightsOrigin.Downloaded, wanted.IncludesTop, searched);
    }

    private static bool Md5Matches(string path, string md5)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return string.Equals(Convert.ToHexString(System.Security.Cryptography.MD5.HashData(fs)), md5, StringComparison.OrdinalIgnoreCase);
    }
}
