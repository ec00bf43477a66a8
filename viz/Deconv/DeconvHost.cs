using System.CommandLine;
using CnnEngine.Backends;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// The deconvnet commands' use of the shared CLI plumbing (viz/Cli: weights resolution, devices, image sizing),
/// in one place. The one addition: commands that need the classifier top get seeded random weights WITH the top
/// when the user asks for (or falls back to) random weights.
/// </summary>
internal static class DeconvHost
{
    public static Vgg16Weights LoadWeights(ParseResult r, bool needTop, CliConsole console)
    {
        string? argument = r.GetValue(CommonOptions.Weights);
        if (string.Equals(argument, "random", StringComparison.OrdinalIgnoreCase))
        {
            console.Warn($"warning: seeded random weights (seed {WeightsLoading.RandomSeed}): pictures show random features, not ImageNet features");
            return Vgg16Weights.Random(WeightsLoading.RandomSeed, includeTop: needTop);
        }
        var weights = WeightsLoading.Load(argument, r.GetValue(CommonOptions.NoDownload), allowRandomFallback: true, console);
        if (needTop && !weights.HasTop)
        {
            if (weights.IsRandom) { weights.Dispose(); return Vgg16Weights.Random(WeightsLoading.RandomSeed, includeTop: true); }
            string source = weights.Source;
            weights.Dispose();
            throw new CliException($"{source} has no classifier top (fc1, fc2, predictions); this command needs it (or use --size native for maps without it)");
        }
        return weights;
    }

    public static IForwardBackend OpenBackend(ParseResult r, Vgg16Weights weights, CliConsole console)
    {
        var backend = BackendFactory.Open(r, weights, console);
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
        return backend;
    }

    /// <summary>
    /// A projector for the chosen device: on a GPU backend, descents run there through the kernels' deconv ops
    /// (unpool, rectify, transposed conv); on the CPU, through the SIMD ops. Dispose it when done.
    /// </summary>
    public static DeviceProjector CreateProjector(IForwardBackend backend, CliConsole console)
    {
        if (CnnEngine.Kernels.Devices.IsKernelDevice(backend.DeviceId))
        {
            try
            {
                var ops = CnnEngine.Kernels.Devices.OpenDeconvOps(backend.DeviceId, backend.Weights);
                return new DeviceProjector(new CnnEngine.Deconv.Projector(backend.Weights, device: ops.Down), ops);
            }
            catch (CnnEngine.Kernels.DeviceException e)
            {
                console.Warn($"warning: deconv ops unavailable on {backend.DeviceId} ({e.Message.Split('\n')[0]}); projecting on the CPU");
            }
        }
        return new DeviceProjector(new CnnEngine.Deconv.Projector(backend.Weights), null);
    }

    /// <summary>--size / --resize from the command line; decodes first so a bad image fails before weights load.</summary>
    public static (RgbImage Original, ImageInput.Sizing Sizing) DecodeImage(ParseResult r, string path) =>
        (ImageInput.Decode(path), ImageInput.Sizing.FromParse(r));

    public static NetworkImage Prepare(string path, RgbImage original, ImageInput.Sizing sizing, bool hasTop) =>
        ImageInput.Prepare(path, original, sizing, hasTop);
}

/// <summary>A projector and the device ops it descends on (if any), disposed together.</summary>
internal sealed class DeviceProjector(CnnEngine.Deconv.Projector projector, IDisposable? ops) : IDisposable
{
    public CnnEngine.Deconv.Projector Projector { get; } = projector;

    public void Dispose()
    {
        Projector.Dispose();
        ops?.Dispose();
    }
}
