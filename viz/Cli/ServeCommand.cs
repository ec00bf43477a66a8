using System.CommandLine;
using System.Diagnostics;
using CnnEngine.Imaging;
using CnnEngine.Model;
using CnnEngine.Weights;
using CnnEngine.Viz.Live;
using CnnEngine.Viz.Server;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// engine-viz serve: the live explorer in the browser (viz/Server over viz/Live), on VGG16 or on --model FILE|vgg19
/// (a user's Keras CNN: its layers by Keras name, its input size and channels). Loads the model once, binds
/// 127.0.0.1 unless --host says otherwise (with a warning), prints the URL, opens a browser only with --open, and
/// stops cleanly on Ctrl-C / SIGTERM.
/// </summary>
public static class ServeCommand
{
    private static readonly Option<int> Port = new("--port") { Description = "TCP port (0 = any free port)", DefaultValueFactory = _ => 8080 };
    private static readonly Option<string> Host = new("--host")
    {
        Description = "Address to bind (default 127.0.0.1: this machine only; anything else is reachable by others, without authentication)",
        DefaultValueFactory = _ => "127.0.0.1",
    };
    private static readonly Option<bool> Open = new("--open") { Description = "Open the page in the default browser" };
    private static readonly Option<string?> Samples = new("--samples") { Description = "Folder of sample photos (default: ../shared/images beside the repository, when there)" };
    private static readonly Option<string?> Features = new("--features") { Description = "An 'engine-viz features' output folder: links each channel to its dataset top-9" };
    private static readonly Option<int> CacheMb = new("--cache-mb") { Description = "Memory for analysed images (LRU beyond it), MB", DefaultValueFactory = _ => 1024 };
    private static readonly Option<int> Queue = new("--queue") { Description = "Requests in line for the device; more are answered 503 with Retry-After", DefaultValueFactory = _ => 4 };

    public static Command Build()
    {
        var command = new Command("serve", "Explore the network live in the browser: layers, channels, projections, occlusion, camera");
        CommonOptions.AddTo(command, imageOptions: false);
        ModelOptions.AddSelectionTo(command);
        command.Options.Add(Port);
        command.Options.Add(Host);
        command.Options.Add(Open);
        command.Options.Add(Samples);
        command.Options.Add(Features);
        command.Options.Add(CacheMb);
        command.Options.Add(Queue);
        command.SetAction(r => Execute(r));
        return command;
    }

    private static int Execute(ParseResult r)
    {
        var console = new CliConsole(r.GetValue(CommonOptions.Quiet), r.GetValue(CommonOptions.Json));
        int port = r.GetValue(Port), cacheMb = r.GetValue(CacheMb), queue = r.GetValue(Queue);
        string host = r.GetValue(Host)!;
        if (port is < 0 or > 65535) throw new CliException($"--port must be 0..65535, got {port}", 2);
        if (cacheMb < 64) throw new CliException($"--cache-mb must be at least 64 (one image's forward pass is about 70 MB), got {cacheMb}", 2);
        if (queue is < 1 or > 1000) throw new CliException($"--queue must be 1..1000, got {queue}", 2);
        string? samples = r.GetValue(Samples) ?? SampleFolder.FindDefault();
        if (samples is not null && !Directory.Exists(samples)) throw new CliException($"--samples {samples}: no such folder");
        string? features = r.GetValue(Features);
        if (features is not null && !Directory.Exists(features)) throw new CliException($"--features {features}: no such folder");

        var options = new ExplorerOptions(QueueCapacity: queue, CacheBytes: (long)cacheMb << 20);
        using var explorer = ModelOptions.IsOwnModel(r) ? OpenOwnModel(r, options, console) : OpenVgg16(r, options, console);
        if (features is not null && new FeatureIndex(features, explorer.Network.FeaturesIdentity).Refusal is { } refusal)
            console.Warn($"warning: --features {features}: {refusal}");

        var settings = new ServerSettings(host, port, samples, features);
        if (!settings.IsLoopback)
            console.Warn($"warning: serving on {host}: anyone who can reach this machine can use the server (there is no authentication)");
        PendingOutputs.HostStopsOnSignals = true;   // Ctrl-C stops the web host cleanly (exit 0); it writes no outputs
        var server = LiveServer.StartAsync(explorer, settings).GetAwaiter().GetResult();
        try
        {
            console.Result($"engine-viz serve: {server.Url} (Ctrl-C stops)");
            console.JsonResult(new { url = server.Url.ToString() });
            if (samples is null) console.Info("no sample folder found (--samples DIR): the page offers upload, drop, paste and the camera");
            if (r.GetValue(Open)) OpenBrowser(server.Url, console);
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            console.Info("engine-viz serve: stopped");
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
    }

    private static Explorer OpenVgg16(ParseResult r, ExplorerOptions options, CliConsole console)
    {
        var weights = LoadWeights(r, console);
        var backend = BackendFactory.Open(r, weights, console);
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
        var projector = CnnEngine.Viz.Deconv.DeconvHost.CreateProjector(backend, console);
        return new Explorer(backend, projector.Projector, options, new Owned(projector, backend, weights));
    }

    /// <summary>
    /// --model FILE|vgg19: the model read from its Keras file, on --device (projections on the CPU), pictures resized as
    /// load_img does (nearest) and preprocessed by the model's own Rescaling or --preprocess, classes named by --labels.
    /// (OwnModelSession's loading and preprocessing rules; serve has no image, memory budget or --resize.)
    /// </summary>
    private static Explorer OpenOwnModel(ParseResult r, ExplorerOptions options, CliConsole console)
    {
        string modelArg = r.GetValue(ModelOptions.Model)!;
        bool vgg19 = OwnModelSession.IsVgg19(modelArg);
        if (r.GetResult(CommonOptions.Weights) is not null && !vgg19)
            throw new CliException("--weights applies to vgg16 / vgg19; your model file holds its own weights", 2);
        var preprocessOption = ModelOptions.ParsePreprocess(r.GetValue(ModelOptions.Preprocess));
        var model = OwnModelSession.Load(modelArg, r, console);
        var preprocess = OwnModelSession.ResolvePreprocess(model, vgg19, preprocessOption, console);
        string? labelsPath = r.GetValue(ModelOptions.Labels);
        if (labelsPath is not null && model.ClassCount is null)
            throw new CliException($"--labels: {model.Name} ends in a feature map {model.Output}, not a vector of class scores", 2);
        string[]? labels = labelsPath is not null && model.ClassCount is int k ? LabelsFile.Load(labelsPath, k) : null;
        console.Info($"model: {model.Source}: {model.Layers.Count} layers, input {model.Input}");
        var backend = BackendFactory.OpenCnn(r.GetValue(CommonOptions.Device) ?? "auto", model, console);
        console.Info($"device: {backend.DeviceId} ({backend.DeviceName})");
        try
        {
            return new Explorer(new CnnLiveNetwork(backend, preprocess, ResizeMode.Nearest, labels, model.Source), options);
        }
        catch (ArgumentException e)
        {
            backend.Dispose();
            throw new CliException(e.Message, 2);
        }
    }

    /// <summary>Like the other commands, but random weights come with the top, so the page has a top-5 and class maps.</summary>
    private static Vgg16Weights LoadWeights(ParseResult r, CliConsole console)
    {
        string? argument = r.GetValue(CommonOptions.Weights);
        if (string.Equals(argument, "random", StringComparison.OrdinalIgnoreCase))
        {
            console.Warn($"warning: seeded random weights (seed {WeightsLoading.RandomSeed}), as asked: the page shows random features, not ImageNet features");
            return Vgg16Weights.Random(WeightsLoading.RandomSeed, includeTop: true);
        }
        var weights = WeightsLoading.Load(argument, r.GetValue(CommonOptions.NoDownload), allowRandomFallback: true, console);
        if (weights.IsRandom && !weights.HasTop)
        {
            weights.Dispose();
            return Vgg16Weights.Random(WeightsLoading.RandomSeed, includeTop: true);
        }
        return weights;
    }

    private static void OpenBrowser(Uri url, CliConsole console)
    {
        try
        {
            var psi = OperatingSystem.IsWindows() ? new ProcessStartInfo(url.ToString()) { UseShellExecute = true }
                : new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open", url.ToString()) { UseShellExecute = false };
            using var process = Process.Start(psi);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            console.Warn($"warning: could not open a browser ({e.Message}); open {url} yourself");
        }
    }

    /// <summary>What the explorer owns besides its projector: the device projector's ops, the backend, the weights (disposed in that order).</summary>
    private sealed class Owned(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var p in parts) p.Dispose();
        }
    }
}
