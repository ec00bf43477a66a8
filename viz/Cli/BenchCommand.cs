using System.CommandLine;
using System.Diagnostics;
using CnnEngine.Model;
using CnnEngine.Tensors;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// engine-viz bench: times Forward on a seeded random batch. With notop weights that is the conv stack; with the
/// top, the whole model; with --model FILE|vgg19, that model (its own input size) on the CPU engine. Prints the median
/// ms per forward and images/s; --json puts one object on the last line.
/// </summary>
public static class BenchCommand
{
    private static readonly Option<int> Batch = new("--batch") { Description = "Images per forward", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> Iterations = new("--iterations") { Description = "Timed forwards", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> Warmup = new("--warmup") { Description = "Untimed forwards first", DefaultValueFactory = _ => 2 };
    private static readonly Option<int> Side = new("--side") { Description = "Input side in pixels (224 with the top)", DefaultValueFactory = _ => 224 };

    public static Command Build()
    {
        var command = new Command("bench", "Time the forward pass: median ms per forward and images/s");
        CommonOptions.AddTo(command, imageOptions: false);
        command.Options.Add(Batch);
        command.Options.Add(Iterations);
        command.Options.Add(Warmup);
        command.Options.Add(Side);
        command.Options.Add(ModelOptions.Model);
        command.Options.Add(ModelOptions.Config);
        command.SetAction(Execute);
        return command;
    }

    private static int Execute(ParseResult parse)
    {
        var console = new CliConsole(parse.GetValue(CommonOptions.Quiet), parse.GetValue(CommonOptions.Json));
        int batch = parse.GetValue(Batch), iterations = parse.GetValue(Iterations), warmup = parse.GetValue(Warmup), side = parse.GetValue(Side);
        if (batch < 1 || batch > 256) throw new CliException($"--batch must be 1..256, got {batch}", 2);
        if (iterations < 1) throw new CliException($"--iterations must be at least 1, got {iterations}", 2);
        if (warmup < 0) throw new CliException($"--warmup must be 0 or more, got {warmup}", 2);
        if (ModelOptions.IsOwnModel(parse)) return ExecuteOwnModel(parse, console, batch, iterations, warmup);
        if (side < Vgg16Architecture.MinInputSize) throw new CliException($"--side must be at least {Vgg16Architecture.MinInputSize}", 2);
        // Before the weights load: a side or batch too large to fit is refused with the estimate, not an overflow.
        MemoryBudget.Check(parse, ForwardMemory.Of(batch, side, side, includeTop: false, ForwardMemory.Taps.None), $"bench (batch {batch}, {side}×{side})");

        using var weights = WeightsLoading.Load(parse.GetValue(CommonOptions.Weights), parse.GetValue(CommonOptions.NoDownload),
            allowRandomFallback: true, console);
        if (weights.HasTop && side != Vgg16Architecture.TopInputSize)
            throw new CliException($"weights with the top need a {Vgg16Architecture.TopInputSize}×{Vgg16Architecture.TopInputSize} input, --side is {side}", 2);
        if (side < Vgg16Architecture.MinInputSize) throw new CliException($"--side must be at least {Vgg16Architecture.MinInputSize}", 2);

        using var backend = BackendFactory.Open(parse, weights, console);
        var input = RandomInput(batch, side);   // (N, side, side, 3), roughly the range of preprocessed pixels

        var (times, median, imagesPerSecond, gflops, peakRss) =
            Measure(() => backend.Forward(input), batch, Vgg16Architecture.ConvStackFlops(side, side), warmup, iterations, console);
        string what = weights.HasTop ? "full model" : "conv stack";
        long? peakDevice = CnnEngine.Kernels.Devices.PeakDeviceBytes(backend);

        console.Result($"{what}, {backend.DeviceId} ({backend.DeviceName}), batch {batch}, {side}×{side}: " +
                       $"median {median:F1} ms per forward, {imagesPerSecond:F2} images/s, conv {gflops:F0} GFLOP/s, " +
                       $"min {times[0]:F1} ms, max {times[^1]:F1} ms, peak RSS {peakRss / (1 << 20)} MB" +
                       (peakDevice is { } d ? $", peak device memory {d / (1 << 20)} MB" : ""));
        console.JsonResult(new
        {
            median_ms = median,
            min_ms = times[0],
            max_ms = times[^1],
            images_per_s = imagesPerSecond,
            conv_gflops_per_s = gflops,
            batch,
            side,
            iterations,
            model = weights.HasTop ? "full" : "notop",
            device = backend.DeviceId,
            device_name = backend.DeviceName,
            peak_rss_mb = peakRss / (1 << 20),
            peak_device_mb = peakDevice / (1 << 20),   // null on the CPU engine
        });
        return 0;
    }

    /// <summary>--model FILE|vgg19: the model's forward (every layer, no taps) on --device at its own input size.</summary>
    private static int ExecuteOwnModel(ParseResult parse, CliConsole console, int batch, int iterations, int warmup)
    {
        if (parse.GetResult(Side) is { Implicit: false }) throw new CliException("--side: your model's input size comes from its config", 2);
        string device = parse.GetValue(CommonOptions.Device) ?? "auto";
        string modelArg = parse.GetValue(ModelOptions.Model)!;
        if (parse.GetResult(CommonOptions.Weights) is not null && !string.Equals(modelArg, "vgg19", StringComparison.OrdinalIgnoreCase))
            throw new CliException("--weights applies to vgg16 / vgg19; your model file holds its own weights", 2);
        var model = OwnModelSession.Load(modelArg, parse, console);
        var shape = model.Input;
        long values = (long)batch * shape.Height * shape.Width * shape.Channels;
        if (values > 64L << 20) throw new CliException($"--batch {batch}: {batch}×{shape} inputs are too large for bench (at most 64 M values)", 2);
        using var backend = BackendFactory.OpenCnn(device, model, console);
        var input = new Tensor(batch, shape.Height, shape.Width, shape.Channels); // (N, H, W, C), pixel-like 0..255
        var rng = new Random(1234);
        for (int i = 0; i < input.Data.Length; i++) input.Data[i] = (float)(rng.NextDouble() * 255);

        var (times, median, imagesPerSecond, gflops, peakRss) =
            Measure(() => backend.Forward(input), batch, model.Flops(), warmup, iterations, console);
        console.Result($"{model.Source}, {backend.DeviceId} ({backend.DeviceName}), batch {batch}, {shape}: " +
                       $"median {median:F3} ms per forward, {imagesPerSecond:F1} images/s, {gflops:F1} GFLOP/s, " +
                       $"min {times[0]:F3} ms, max {times[^1]:F3} ms, peak RSS {peakRss / (1 << 20)} MB");
        console.JsonResult(new
        {
            median_ms = median,
            min_ms = times[0],
            max_ms = times[^1],
            images_per_s = imagesPerSecond,
            gflops_per_s = gflops,
            mflop_per_image = model.Flops() / 1e6,
            batch,
            input = new[] { shape.Height, shape.Width, shape.Channels },
            iterations,
            model = model.Source,
            device = backend.DeviceId,
            device_name = backend.DeviceName,
            peak_rss_mb = peakRss / (1 << 20),
        });
        return 0;
    }

    /// <summary>
    /// Times <paramref name="forward"/> of <paramref name="batch"/> images (<see cref="Time"/>); returns the sorted times,
    /// their median, images per second and GFLOP/s at the median, and the process's peak RSS in bytes.
    /// </summary>
    private static (double[] Times, double Median, double ImagesPerSecond, double Gflops, long PeakRss) Measure(Action forward, int batch,
        double flopsPerImage, int warmup, int iterations, CliConsole console)
    {
        var times = Time(forward, warmup, iterations, console);
        double median = Median(times);
        double imagesPerSecond = batch * 1000.0 / median;
        double gflops = flopsPerImage * batch / (median / 1000.0) / 1e9;
        return (times, median, imagesPerSecond, gflops, Process.GetCurrentProcess().PeakWorkingSet64);
    }

    /// <summary>Runs <paramref name="forward"/> warmup times untimed, then times each of iterations runs; returns the times sorted.</summary>
    private static double[] Time(Action forward, int warmup, int iterations, CliConsole console)
    {
        for (int i = 0; i < warmup; i++) forward();
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            forward();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!console.Quiet && !console.Json) System.Console.Error.Write($"\r{i + 1}/{iterations}: {times[i]:F1} ms   ");
        }
        if (!console.Quiet && !console.Json) System.Console.Error.WriteLine();
        Array.Sort(times);
        return times;
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    private static Tensor RandomInput(int batch, int side)
    {
        var input = new Tensor(batch, side, side, 3);
        var rng = new Random(1234);
        for (int i = 0; i < input.Data.Length; i++) input.Data[i] = (float)(rng.NextDouble() * 255 - 120);
        return input;
    }
}
