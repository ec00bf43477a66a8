using System.Diagnostics;
using System.Text.Json;
using CnnEngine.Ops;

// Times Conv2dGeneral (im2col + SIMD GEMM, all cores) on each shape of shapes.json: median of N runs after 2 warm-ups.
// Prints one JSON line per shape: {"name", "median_ms", "gflops"}.
//   ownmodel-bench shapes.json [iterations]
string path = args.Length > 0 ? args[0] : "shapes.json";
int iterations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
using var doc = JsonDocument.Parse(File.ReadAllText(path));
var rng = new Random(1);
foreach (var s in doc.RootElement.EnumerateArray())
{
    int h = s.GetProperty("h").GetInt32(), w = s.GetProperty("w").GetInt32(), cin = s.GetProperty("cin").GetInt32(), cout = s.GetProperty("cout").GetInt32();
    int k = s.GetProperty("k").GetInt32(), st = s.GetProperty("s").GetInt32();
    var window = Window2D.For(h, w, k, k, st, st, s.GetProperty("same").GetBoolean());
    var input = new float[h * w * cin];
    var kernel = new float[k * k * cin * cout];
    for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();
    for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)rng.NextDouble() - 0.5f;
    using var packed = PackedGemmWeights.Pack(kernel, new float[cout], k * k * cin, cout);
    var output = new float[window.OutHeight(h) * window.OutWidth(w) * cout];
    var times = new List<double>();
    for (int i = 0; i < iterations + 2; i++)
    {
        var clock = Stopwatch.StartNew();
        Conv2dGeneral.Run(input, 1, h, w, cin, window, packed, output);
        if (i >= 2) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double median = times[times.Count / 2];
    double flops = 2.0 * output.Length * k * k * cin;
    Console.WriteLine(JsonSerializer.Serialize(new { name = s.GetProperty("name").GetString(), median_ms = median, gflops = flops / median / 1e6 }));
}
