using CnnEngine.Backends;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Viz.Cli;
using CnnEngine.Weights;

namespace CnnEngine.Viz.Deconv;

/// <summary>
/// The thin adapter between the deconvnet commands and the shared plumbing (weights, devices, images), kept in one
/// place so the commands read the same whatever the plumbing's final shape.
/// </summary>
internal static class DeconvHost
{
    public const int RandomSeed = 16;

    /// <summary>--weights: a file (.h5 / .safetensors), 'random' (seeded), or $CNN_ENGINE_WEIGHTS.</summary>
    public static Vgg16Weights LoadWeights(string? spec, bool needTop, CliConsole console)
    {
        spec ??= Environment.GetEnvironmentVariable("CNN_ENGINE_WEIGHTS");
        if (string.IsNullOrWhiteSpace(spec))
            throw new CliException("no weights given: pass --weights FILE (.h5 or .safetensors) or --weights random");
        if (spec == "random")
        {
            console.Warn($"warning: seeded random weights (seed {RandomSeed}): pictures show no ImageNet features");
            return Vgg16Weights.Random(RandomSeed, includeTop: needTop);
        }
        if (!File.Exists(spec)) throw new CliException($"weights file {spec} does not exist");
        try
        {
            var store = WeightStore.Open(spec);
            var weights = Vgg16Weights.FromStore(store, console.Warn);
            if (needTop && !weights.HasTop)
                throw new CliException($"{spec} has no classifier top (fc1, fc2, predictions); this command needs it");
            return weights;
        }
        catch (WeightsException e) { throw new CliException(e.Message); }
    }

    public static IForwardBackend OpenBackend(string device, Vgg16Weights weights, CliConsole console)
    {
        try
        {
            var backend = CnnEngine.Kernels.Devices.Open(device, weights, console.Warn);
            console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
            return backend;
        }
        catch (CnnEngine.Kernels.DeviceException e) { throw new CliException(e.Message.Split('\n')[0]); }
    }

    /// <summary>An image as the network sees it: 224×224 (Keras's load_img) or its own size when <paramref name="native"/>.</summary>
    public static NetworkImage LoadImage(string path, bool native, string resize)
    {
        var mode = resize.ToLowerInvariant() switch
        {
            "nearest" => ResizeMode.Nearest,
            "bilinear" => ResizeMode.Bilinear,
            _ => throw new CliException($"unknown --resize '{resize}' (nearest or bilinear)"),
        };
        try { return ImagePipeline.LoadForNetwork(path, native ? null : ImageSize.Vgg16Top, mode); }
        catch (ImageException e) { throw new CliException(e.Message.Split('\n')[0]); }
    }

    public static bool Native(string size) => size.ToLowerInvariant() switch
    {
        "224" => false,
        "native" => true,
        _ => throw new CliException($"unknown --size '{size}' (224 or native)"),
    };
}
