using System.CommandLine;
using CnnEngine.Backends.Model;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Weights;
using CnnEngine.Weights.KerasModel;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// A user's model (--model FILE|vgg19 with --config, --labels, --preprocess, --device, --resize, --max-memory) opened for
/// any command: options checked first, the photo decoded (so a bad image fails before the model loads), the model
/// read from its Keras file (VGG19 found like VGG16), the preprocessing fixed, the forward's memory checked against
/// the budget, the photo prepared as keras.utils.load_img(color_mode, target_size) + preprocessing would, class names,
/// and the backend --device names opened (the CPU engine, or the general ILGPU kernels).
/// </summary>
public sealed class OwnModelSession : IDisposable
{
    public CnnModel Model { get; }
    public ICnnBackend Backend { get; }
    public InputPreprocess Preprocess { get; }
    public ResizeMode Resize { get; }
    /// <summary>The photo as fed, or null for commands without an image.</summary>
    public NetworkImage? Image { get; }
    /// <summary>Class names when the model's output is a vector, else null.</summary>
    public string[]? Labels { get; }

    private OwnModelSession(CnnModel model, ICnnBackend backend, InputPreprocess preprocess, ResizeMode resize, NetworkImage? image, string[]? labels)
    {
        Model = model; Backend = backend; Preprocess = preprocess; Resize = resize; Image = image; Labels = labels;
    }

    /// <summary>What the command will hold during its forward passes (for the --max-memory check).</summary>
    /// <param name="Batch">Images per forward.</param>
    /// <param name="AfterDecode">Runs once the image decoded, before the model loads (e.g. the output folder's checks).</param>
    /// <param name="Check">Checks that need the model (e.g. --zoom inside its input), run before anything is printed.</param>
    public sealed record Needs(int Batch = 1, ForwardMemory.Taps Taps = ForwardMemory.Taps.All, bool Pictures = false, Action? AfterDecode = null,
        Action<CnnModel>? Check = null);

    public static OwnModelSession Open(ParseResult r, string? imagePath, CliConsole console, Needs? needs = null)
    {
        needs ??= new Needs();
        string modelArg = r.GetValue(ModelOptions.Model)!;
        string device = r.GetValue(CommonOptions.Device) ?? "auto";
        bool vgg19 = IsVgg19(modelArg);
        if (r.GetResult(CommonOptions.Weights) is not null && !vgg19)
            throw new CliException("--weights applies to vgg16 / vgg19; your model file holds its own weights", 2);
        bool imageOptions = r.CommandResult.Command.Options.Contains(CommonOptions.Resize);
        if (imageOptions && r.GetValue(CommonOptions.Size) == "native")
            throw new CliException("--size native: your model's input size comes from its config", 2);
        var resize = ((imageOptions ? r.GetValue(CommonOptions.Resize) : null) ?? "nearest") switch
        {
            "nearest" => ResizeMode.Nearest,
            "bilinear" => ResizeMode.Bilinear,
            var other => throw new CliException($"--resize must be nearest or bilinear, not '{other}'", 2),
        };
        var preprocessOption = ModelOptions.ParsePreprocess(r.GetValue(ModelOptions.Preprocess));
        long budget = MemoryBudget.From(r);   // a bad --max-memory fails before any loading
        var original = imagePath is null ? null : ImageInput.Decode(imagePath);
        needs.AfterDecode?.Invoke();

        var model = Load(modelArg, r, console);
        var preprocess = ResolvePreprocess(model, vgg19, preprocessOption, console);
        needs.Check?.Invoke(model);
        // The batched forwards, or the one fully recorded forward every command also makes, whichever is larger.
        var batched = CnnForwardMemory.Of(model, needs.Batch, needs.Taps, needs.Pictures);
        var whole = CnnForwardMemory.Of(model, 1, ForwardMemory.Taps.All, needs.Pictures);
        MemoryBudget.Check(budget, batched.Total > whole.Total ? batched : whole, $"{model.Name}'s forward");
        var image = original is null ? null : ModelInput.Prepare(original, model.Input.Height, model.Input.Width, model.Input.Channels, resize, preprocess);
        string[]? labels = model.ClassCount is int k
            ? (r.GetValue(ModelOptions.Labels) is { } path ? LabelsFile.Load(path, k) : LabelsFile.Default(k)) : null;
        var backend = BackendFactory.OpenCnn(device, model, console);
        // Said only once every input is known good, so a refusal is exactly one line on stderr.
        foreach (var skipped in model.Skipped) console.Info($"  {skipped}: folded or identity at inference");
        console.Info($"model: {model.Source}: {model.Layers.Count} layers, input {model.Input}, {model.Flops() / 1e6:F1} MFLOP");
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
        return new OwnModelSession(model, backend, preprocess, resize, image, labels);
    }

    /// <summary>What the model is fed: VGG19 its ImageNet preprocessing, a model with its own Rescaling raw pixels (a
    /// --preprocess is then ignored, with a warning), otherwise --preprocess (default none); vgg needs an RGB model.</summary>
    public static InputPreprocess ResolvePreprocess(CnnModel model, bool vgg19, InputPreprocess? option, CliConsole console)
    {
        var preprocess = vgg19 ? InputPreprocess.Vgg : model.HasOwnPreprocessing ? InputPreprocess.None : option ?? InputPreprocess.None;
        if (model.HasOwnPreprocessing && option is not null and not InputPreprocess.None)
            console.Warn($"warning: {model.Name} scales its input itself (Rescaling layer): --preprocess is ignored, raw 0-255 pixels are fed");
        if (preprocess == InputPreprocess.Vgg && model.Input.Channels != 3)
            throw new CliException($"--preprocess vgg needs an RGB model; {model.Name} takes {model.Input.Channels} channel(s)", 2);
        return preprocess;
    }

    public static bool IsVgg19(string model) => string.Equals(model, "vgg19", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model file (or VGG19 found like VGG16: --weights, Keras's cache, our cache, download); says nothing but a download.</summary>
    public static CnnModel Load(string modelArg, ParseResult parse, CliConsole console)
    {
        if (IsVgg19(modelArg))
        {
            using var store = WeightStore.Open(FindVgg19(parse, console));
            return KerasApplicationsModels.Build("vgg19", store);
        }
        using var file = KerasModelFile.Open(modelArg, parse.GetValue(ModelOptions.Config));
        return KerasModelBuilder.Build(file);
    }

    private static string FindVgg19(ParseResult parse, CliConsole console)
    {
        string? explicitPath = parse.GetValue(CommonOptions.Weights);
        if (explicitPath is not null) return WeightsResolver.Resolve(new WeightsQuery { ExplicitPath = explicitPath }).Path;
        bool noDownload = parse.GetValue(CommonOptions.NoDownload);
        var cached = KerasApplicationFiles.Vgg19Query(includeTop: false, allowDownload: false);
        try { return WeightsResolver.Resolve(cached).Path; }
        catch (WeightsNotFoundException) when (!noDownload)
        {
            console.Info("no VGG19 weights cached: downloading them the way Keras does (use --no-download to skip)");
            return WeightsResolver.Resolve(KerasApplicationFiles.Vgg19Query(includeTop: true, allowDownload: true)).Path;
        }
        catch (WeightsNotFoundException)
        {
            throw new CliException($"no VGG19 weights found in {cached.KerasCacheDir} or {cached.OwnCacheDir} and downloading is off: " +
                $"put {KerasApplicationFiles.Vgg19Top.FileName} (or {KerasApplicationFiles.Vgg19NoTop.FileName}) there, or pass --weights FILE");
        }
    }

    public void Dispose() => Backend.Dispose();
}
