using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Default weights resolution for the CLI, through the weights library's resolver: $CNN_ENGINE_WEIGHTS →
/// Keras's cache (either file, the full one first) → our cache → download of the full file (Keras's default
/// VGG16(), 553 MB) with a progress bar. Returns null when nothing is found or the download fails, after saying why.
/// </summary>
public static class WeightsFinder
{
    public static string? Find(bool noDownload, CliConsole console)
    {
        var cachedOnly = new WeightsQuery { IncludeTop = false, AllowDownload = false };
        // $CNN_ENGINE_WEIGHTS naming a missing file is an error, like --weights: no fallback.
        if (cachedOnly.EnvironmentPath is not null) return WeightsResolver.Resolve(cachedOnly).Path;
        try
        {
            return WeightsResolver.Resolve(cachedOnly).Path;
        }
        catch (WeightsNotFoundException) when (!noDownload)
        {
            // Nothing cached: download below.
        }
        catch (WeightsNotFoundException e)
        {
            console.Warn("warning: " + e.Message);
            return null;
        }

        var bar = new DownloadBar(console);
        try
        {
            console.Info("no VGG16 weights cached: downloading them the way Keras does (use --no-download to skip)");
            var resolved = WeightsResolver.Resolve(new WeightsQuery { IncludeTop = true, AllowDownload = true, Progress = bar.Report });
            bar.Finish();
            return resolved.Path;
        }
        catch (WeightsException e)
        {
            bar.Finish();
            console.Warn("warning: " + e.Message);
            return null;
        }
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
