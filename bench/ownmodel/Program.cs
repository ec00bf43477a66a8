using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CnnEngine.Backends.Model;
using CnnEngine.Model;
using CnnEngine.Model.Cnn;
using CnnEngine.Ops;
using CnnEngine.Taps;
using CnnEngine.Tensors;
using CnnEngine.Weights.KerasModel;

// The engine's side of bench/ownmodel/run.py: a long-lived worker answering one command per line on stdin.
//   conv N H W CIN COUT KH KW STRIDE same|valid [auto|direct|gemm]  → packs seeded weights for that layer with the kernel the CPU backend
//                                                   picks (PackedConv2d), 2 warm-ups, prints the kernel's name
//   time K                                       → K timed convolutions of the N images, prints a JSON list of ms
//   layers MODEL.h5 BATCH K [cold]               → the model's forward K times with a timing tap; prints one JSON object
//                                                   {layer: median ms from the previous layer's end to this one's}
//                                                   (with cold, first the very first forward's times: JIT included)
//   quit
// Threads: --threads T (default: all cores), as the backend runs.
int threads = args.Length >= 2 && args[0] == "--threads" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
PackedConv2d? conv = null;
float[] input = [], output = [];
int images = 0, height = 0, width = 0;
void Once() => conv!.Run(input, images, height, width, output, relu: false, threads);
string? line;
while ((line = Console.ReadLine()) is not null)
{
    string[] cmd = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (cmd.Length == 0) continue;
    int I(int i) => int.Parse(cmd[i], CultureInfo.InvariantCulture);
    switch (cmd[0])
    {
        case "conv":
            conv?.Dispose();
            (images, height, width) = (I(1), I(2), I(3));
            int cin = I(4), cout = I(5), kh = I(6), kw = I(7), stride = I(8);
            var window = Window2D.For(height, width, kh, kw, stride, stride, cmd[9] == "same");
            var rng = new Random(7);
            input = new float[images * height * width * cin];                      // (N, H, W, Cin)
            var kernel = new float[kh * kw * cin * cout];                          // (KH, KW, Cin, Cout)
            var bias = new float[cout];
            for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
            for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)(rng.NextDouble() - 0.5);
            output = new float[images * window.OutHeight(height) * window.OutWidth(width) * cout]; // (N, OH, OW, Cout)
            var choice = cmd.Length > 10 ? cmd[10] switch { "direct" => ConvKernel.Direct3x3, "gemm" => ConvKernel.Gemm, _ => ConvKernel.Auto } : ConvKernel.Auto;
            conv = new PackedConv2d(window, kernel, bias, cin, cout, width, choice);
            Once(); Once();
            Console.WriteLine(conv.KernelName);
            break;
        case "time":
            var times = new double[I(1)];
            for (int i = 0; i < times.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Once();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            Console.WriteLine(JsonSerializer.Serialize(times));
            break;
        case "layers":
            using (var file = KerasModelFile.Open(cmd[1]))
            {
                var model = KerasModelBuilder.Build(file);
                using var backend = new CnnCpuBackend(model);
                var x = new Tensor(I(2), model.Input.Height, model.Input.Width, model.Input.Channels); // (N, H, W, C)
                var r = new Random(3);
                for (int i = 0; i < x.Data.Length; i++) x.Data[i] = (float)(r.NextDouble() * 255);
                var tap = new TimingTap();
                if (cmd.Length > 4 && cmd[4] == "cold") { tap.Start(); backend.Forward(x, tap); Console.WriteLine(JsonSerializer.Serialize(tap.Times)); }
                backend.Forward(x, tap); backend.Forward(x, tap);
                tap.Times.Clear();
                for (int i = 0; i < I(3); i++) { tap.Start(); backend.Forward(x, tap); }
                Console.WriteLine(JsonSerializer.Serialize(tap.Times.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ElementAt(kv.Value.Count / 2))));
            }
            break;
        case "quit":
            conv?.Dispose();
            return;
        default:
            Console.WriteLine($"unknown command {cmd[0]}");
            break;
    }
}

/// <summary>Times each layer from the previous tap call (or <see cref="Start"/>) to its own.</summary>
sealed class TimingTap : ILayerTap
{
    private long _last;
    public Dictionary<string, List<double>> Times { get; } = new();
    public void Start() => _last = Stopwatch.GetTimestamp();
    public bool Wants(string layerName) => true;
    public void OnActivation(LayerSpec layer, Tensor output)
    {
        long now = Stopwatch.GetTimestamp();
        if (!Times.TryGetValue(layer.Name, out var list)) Times[layer.Name] = list = new List<double>();
        list.Add(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        _last = Stopwatch.GetTimestamp();
    }
    public void OnSwitches(LayerSpec pool, IntTensor switches) { }
}
