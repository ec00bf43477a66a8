using CnnEngine.Model;
using CnnEngine.Weights;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Finds and opens the weights the way the README describes: --weights FILE (a failure there is an error, never a
/// silent fallback) → $CNN_ENGINE_WEIGHTS → Keras's cache → our cache → download. When nothing is found and the
/// command allows it, seeded random weights are used and the user is told so, loudly.
/// </summary>
public static class WeightsLoading
{
    public const int RandomSeed = 16;

    /// <summary>The one line said when the run goes on with random weights because none were found.</summary>
    public static string FallbackWarning(string whyNone) =>
        $"warning: no VGG16 weights ({whyNone}): using seeded random weights, so pictures show random features and classes mean nothing. " +
        "Real weights: 'weights-tools download', or put vgg16_weights_tf_dim_ordering_tf_kernels.h5 in ~/.keras/models/";

    /// <param name="fallbackWithTop">
    /// Whether the random fallback has the top (fc1, fc2, predictions), so a first run shows every section (top-5
    /// included; its classes are meaningless and every output says so). Off for --size native and for benchmarks.
    /// </param>
    public static Vgg16Weights Load(string? weightsArgument, bool noDownload, bool allowRandomFallback, CliConsole console,
        bool fallbackWithTop = false)
    {
        if (string.Equals(weightsArgument, "random", StringComparison.OrdinalIgnoreCase))
        {
            console.Warn($"warning: seeded random weights (seed {RandomSeed}), as asked: pictures show random features, not ImageNet features");
            return Vgg16Weights.Random(RandomSeed, includeTop: false);
        }

        string path;
        if (weightsArgument is not null)
        {
            // An explicit file that fails is an error, never a silent fallback.
            path = WeightsResolver.Resolve(new WeightsQuery { ExplicitPath = weightsArgument }).Path;
        }
        else
        {
            string? found = WeightsFinder.Find(noDownload, console, out string? whyNone);
            if (found is null)
            {
                if (!allowRandomFallback)
                    throw new CliException($"no VGG16 weights ({whyNone}): pass --weights FILE (see README: Weights) or --weights random");
                console.Warn(FallbackWarning(whyNone ?? "none found"));
                return Vgg16Weights.Random(RandomSeed, includeTop: fallbackWithTop);
            }
            path = found;
        }

        var store = WeightStore.Open(path);
        try
        {
            var weights = Vgg16Weights.FromStore(store, console.Warn);
            return weights;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
