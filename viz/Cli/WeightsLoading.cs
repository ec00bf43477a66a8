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

    public static Vgg16Weights Load(string? weightsArgument, bool noDownload, bool allowRandomFallback, CliConsole console)
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
            string? found = WeightsFinder.Find(noDownload, console);
            if (found is null)
            {
                if (!allowRandomFallback)
                    throw new CliException("no VGG16 weights found: pass --weights FILE (see README: Weights) or --weights random");
                console.Warn("warning: no VGG16 weights found (see README: Weights); using seeded random weights: " +
                             "pictures show random features, not ImageNet features");
                return Vgg16Weights.Random(RandomSeed, includeTop: false);
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
