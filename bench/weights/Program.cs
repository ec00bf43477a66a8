using System.Diagnostics;
using System.Globalization;
using CnnEngine.Model;
using CnnEngine.Weights;
using Microsoft.Win32.SafeHandles;

// weights-bench FILE.h5 [FILE.safetensors] [--runs N]
// Times, side by side on the same (page-cached) file:
//   read-once       the whole file read into one freshly allocated buffer (what "reading it once" costs)
//   read-streaming  the whole file streamed through a reused 4 MiB buffer (page-cache bandwidth, no fresh memory)
//   h5-load         WeightStore.Open + Vgg16Weights.FromStore: every tensor decoded to float32 in Keras layout (engine-ready)
//   st-open         WeightStore.Open of the .safetensors (header parsed and validated, file mapped)
//   st-load         st-open + Vgg16Weights.FromStore (zero-copy views of the mapping)
// The machine is shared and noisy, so measurements are interleaved round by round (each round runs every
// measurement once) and the table reports medians and the median of the per-round ratio to read-once.
var argsList = args.ToList();
int runs = 9;
int r = argsList.IndexOf("--runs");
if (r >= 0) { runs = int.Parse(argsList[r + 1], CultureInfo.InvariantCulture); argsList.RemoveRange(r, 2); }
string h5 = argsList[0];
string? st = argsList.Count > 1 ? argsList[1] : null;

var measurements = new List<(string Name, Action Run)>
{
    ("read-once", () =>
    {
        using SafeFileHandle h = File.OpenHandle(h5);
        long length = RandomAccess.GetLength(h);
        var buffer = GC.AllocateUninitializedArray<byte>(checked((int)length));
        long at = 0;
        while (at < length) at += RandomAccess.Read(h, buffer.AsSpan((int)at), at);
        GC.KeepAlive(buffer);
    }),
    ("read-streaming", () =>
    {
        using SafeFileHandle h = File.OpenHandle(h5);
        long length = RandomAccess.GetLength(h), at = 0;
        var buffer = new byte[4 << 20];
        while (at < length) at += RandomAccess.Read(h, buffer, at);
    }),
    ("h5-load", () =>
    {
        using var w = Vgg16Weights.FromStore(WeightStore.Open(h5));
        if (!w.HasTop) throw new InvalidOperationException("expected the full model");
    }),
};
if (st is not null)
{
    measurements.Add(("st-open", () => { using var s = WeightStore.Open(st); }));
    measurements.Add(("st-load", () => { using var w = Vgg16Weights.FromStore(WeightStore.Open(st)); }));
}

foreach (var m in measurements) m.Run(); // warm-up: page cache, JIT
var ms = measurements.ToDictionary(m => m.Name, _ => new List<double>());
for (int round = 0; round < runs; round++)
{
    foreach (var (name, run) in measurements)
    {
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.WaitForPendingFinalizers();
        var sw = Stopwatch.StartNew();
        run();
        ms[name].Add(sw.Elapsed.TotalMilliseconds);
    }
}

static double Median(IEnumerable<double> values)
{
    var s = values.OrderBy(x => x).ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
var baseline = ms["read-once"];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"File: {Path.GetFileName(h5)}, {new FileInfo(h5).Length / 1e6:F1} MB; {runs} interleaved rounds; {Environment.ProcessorCount} cores; load average at start {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
Console.WriteLine();
Console.WriteLine("| measurement | median ms | min ms | max ms | median ratio to read-once (per round) |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var (name, _) in measurements)
{
    var v = ms[name];
    double ratio = Median(v.Select((x, i) => x / baseline[i]));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(v):F1} | {v.Min():F1} | {v.Max():F1} | {ratio:F2} |"));
}
