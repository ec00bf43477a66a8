namespace CnnEngine.Viz.Cli;

/// <summary>Temporary: looks in $CNN_ENGINE_WEIGHTS and the caches until the weights library's resolver lands.</summary>
public static class WeightsFinder
{
    public static string? Find(bool noDownload, bool allowRandomFallback, CliConsole console)
    {
        string? env = Environment.GetEnvironmentVariable("CNN_ENGINE_WEIGHTS");
        if (!string.IsNullOrEmpty(env))
        {
            if (!File.Exists(env)) throw new CliException($"$CNN_ENGINE_WEIGHTS names {env}, which does not exist");
            return env;
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string own = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "cnn-engine");
        foreach (var dir in new[] { Path.Combine(home, ".keras", "models"), own })
        foreach (var name in new[] { "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" })
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
