using System.Net.Http;
using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Default weights resolution for the CLI, through the weights library's resolver: $CNN_ENGINE_WEIGHTS →
/// Keras's cache (either file, the full one first) → our cache → download of the full file (Keras's default
/// VGG16(), 553 MB) with a progress bar. Returns null when nothing is found, with the reason in one short phrase.
/// Offline, the download is tried once and fails fast (a 10 s connect timeout, no retries); the failure is remembered
/// in our cache folder for <see cref="RetryAfter"/>, so the following runs do not try again.
/// </summary>
public static class WeightsFinder
{
    public const string FailedDownloadMarker = ".download-failed";
    public static readonly TimeSpan RetryAfter = TimeSpan.FromHours(1);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Where the download is fetched from (tests point it at a local server).</summary>
    public static Uri DownloadBaseUrl =>
        Environment.GetEnvironmentVariable("CNN_ENGINE_DOWNLOAD_URL") is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var u)
            ? u : new WeightsQuery().DownloadBaseUrl;

    public static string? Find(bool noDownload, CliConsole console, out string? whyNone)
    {
        whyNone = null;
        var cachedOnly = new WeightsQuery { IncludeTop = false, AllowDownload = false };
        // $CNN_ENGINE_WEIGHTS naming a missing file is an error, like --weights: no fallback.
        if (cachedOnly.EnvironmentPath is not null) return WeightsResolver.Resolve(cachedOnly).Path;
        try
        {
            return WeightsResolver.Resolve(cachedOnly).Path;
        }
        catch (WeightsNotFoundException)
        {
            // Nothing cached: download below, unless asked not to or it failed recently.
        }
        if (noDownload)
        {
            whyNone = "none cached, and --no-download";
            return null;
        }
        string marker = Path.Combine(cachedOnly.OwnCacheDir, FailedDownloadMarker);
        if (RecentFailure(marker) is { } since)
        {
            whyNone = $"none cached, and the download failed {Ago(since)} (not retried for {RetryAfter.TotalMinutes:0} minutes)";
            return null;
        }

        var bar = new DownloadBar(console);
        try
        {
            console.Info("no VGG16 weights cached: downloading them the way Keras does (553 MB; --no-download skips this)");
            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout }) { Timeout = Timeout.InfiniteTimeSpan };
            var resolved = WeightsResolver.Resolve(new WeightsQuery
            {
                IncludeTop = true, AllowDownload = true, Progress = bar.Report, Http = http, DownloadBaseUrl = DownloadBaseUrl,
            });
            bar.Finish();
            TryDelete(marker);
            return resolved.Path;
        }
        catch (WeightsException e)
        {
            bar.Finish();
            RememberFailure(marker, e.Message);
            whyNone = "none cached, and the download failed (" + Shorten(e.Message) + ")";
            return null;
        }
    }

    private static DateTime? RecentFailure(string marker)
    {
        try
        {
            if (!File.Exists(marker)) return null;
            DateTime at = File.GetLastWriteTimeUtc(marker);
            return DateTime.UtcNow - at < RetryAfter ? at : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static void RememberFailure(string marker, string message)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            File.WriteAllText(marker, message + "\n");
        }
        catch (IOException) { }            // a read-only cache only means the next run tries again
        catch (UnauthorizedAccessException) { }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Ago(DateTime utc)
    {
        var ago = DateTime.UtcNow - utc;
        return ago.TotalMinutes < 1 ? "moments ago" : $"{ago.TotalMinutes:0} min ago";
    }

    /// <summary>The downloader's message without its own advice (the caller says what to do).</summary>
    private static string Shorten(string message)
    {
        int advice = message.IndexOf(" (offline?", StringComparison.Ordinal);
        return advice > 0 ? message[..advice] : message;
    }

    /// <summary>A one-line text progress bar on stderr, redrawn in place.</summary>
    private sealed class DownloadBar(CliConsole console)
    {
        private int _lastPercent = -1;
        private bool _drawn;

        public void Report(DownloadProgress p)
        {
            if (console.Quiet || console.Json || p.TotalBytes is not > 0) return;
            int percent = (int)(100 * p.BytesReceived / p.TotalBytes.Value);
            if (percent == _lastPercent) return;
            _lastPercent = percent;
            string bar = new string('#', percent / 4).PadRight(25, '.');
            System.Console.Error.Write($"\r{p.FileName} [{bar}] {percent,3}% {p.BytesReceived >> 20}/{p.TotalBytes.Value >> 20} MB");
            _drawn = true;
        }

        public void Finish()
        {
            if (_drawn) System.Console.Error.WriteLine();
        }
    }
}
