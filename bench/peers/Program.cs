using System.Diagnostics;
using System.Text.Json;
using CnnEngine.Backends.Cpu;
using CnnEngine.Model;
using CnnEngine.Tensors;
using CnnEngine.Weights;
using Microsoft.ML.OnnxRuntime;

namespace CnnEngine.Bench.Peers;

/// <summary>
/// peers-bench worker --peer engine|ort --weights W.h5 --onnx DIR [--threads 2]
///   A long-lived worker for bench/peers/run.py: one command per line on stdin, one answer line on stdout.
///     load notop|full BATCH  → prepares that model and a seeded input, 2 warm-up forwards, "ok"
///     time K                 → K timed forwards, a JSON list of milliseconds
///     save PATH              → writes the last output as raw float32 (for the driver's agreement check)
///     rss                    → peak resident set of this process, MB
/// peers-bench layers …       → per-layer direct vs Winograd timing (LayerTimes.cs)
/// peers-bench policies …     → the conv stack under each ConvPolicy, interleaved (PolicyTimes.cs)
/// peers-bench gemm …         → the Winograd GEMM microkernel alone, one thread (GemmTimes.cs)
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "layers") return LayerTimes.Run(args[1..]);
        if (args.Length > 0 && args[0] == "features") return FeaturesThroughput.Run(args[1..]);
        if (args.Length > 0 && args[0] == "rss") return PeakRss.Run(args[1..]);
        if (args.Length > 0 && args[0] == "policies") return PolicyTimes.Run(args[1..]);
        if (args.Length > 0 && args[0] == "gemm") return GemmTimes.Run(args[1..]);
        if (args.Length == 0 || args[0] != "worker") { Console.Error.WriteLine("usage: peers-bench worker --peer engine|ort --weights W.h5 --onnx DIR [--threads N] | layers ..."); return 2; }
        string peer = Arg(args, "--peer") ?? throw new ArgumentException("--peer");
        string weightsPath = Arg(args, "--weights") ?? throw new ArgumentException("--weights");
        string onnxDir = Arg(args, "--onnx") ?? "";
        int threads = int.Parse(Arg(args, "--threads") ?? "2");
        IPeer worker = peer switch
        {
            "engine" => new EnginePeer(weightsPath, threads),
            "ort" => new OrtPeer(onnxDir, threads),
            _ => throw new ArgumentException($"unknown peer {peer}"),
        };
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            var cmd = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cmd.Length == 0) continue;
            switch (cmd[0])
            {
                case "load":
                    worker.Load(cmd[1] == "full", int.Parse(cmd[2]));
                    worker.Forward(); worker.Forward();
                    Console.WriteLine("ok");
                    break;
                case "time":
                    var times = new double[int.Parse(cmd[1])];
                    for (int i = 0; i < times.Length; i++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        worker.Forward();
                        times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    }
                    Console.WriteLine(JsonSerializer.Serialize(times));
                    break;
                case "save":
                    File.WriteAllBytes(cmd[1], System.Runtime.InteropServices.MemoryMarshal.AsBytes(worker.LastOutput().AsSpan()).ToArray());
                    Console.WriteLine("ok");
                    break;
                case "rss":
                    Console.WriteLine(Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20));
                    break;
                case "quit":
                    worker.Dispose();
                    return 0;
            }
        }
        worker.Dispose();
        return 0;
    }

    internal static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The seeded input both C# peers use, (N, 224, 224, 3) NHWC, roughly the range of preprocessed pixels.</summary>
    internal static float[] Input(int batch)
    {
        var data = new float[batch * 224 * 224 * 3];
        var rng = new Random(1234);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 255 - 120);
        return data;
    }
}

internal interface IPeer : IDisposable
{
    void Load(bool full, int batch);
    void Forward();
    /// <summary>Last output, NHWC for the conv stack (N, 7, 7, 512), (N, 1000) for the full model.</summary>
    float[] LastOutput();
}

/// <summary>This engine: CpuBackend on the .h5's weights (the conv layers only for the conv stack).</summary>
internal sealed class EnginePeer(string weightsPath, int threads) : IPeer
{
    private Vgg16Weights? _weights;
    private CpuBackend? _backend;
    private Tensor? _input, _output;

    public void Load(bool full, int batch)
    {
        _backend?.Dispose(); _weights?.Dispose(); _backend = null; _weights = null;
        using var store = WeightStore.Open(weightsPath);
        using var all = Vgg16Weights.FromStore(store);
        var arrays = new Dictionary<string, (float[] Kernel, float[] Bias)>();
        foreach (var layer in all.Layers)
            if (layer.HasWeights && (full || layer.IsConv))
                arrays[layer.Name] = (all[layer.Name].Kernel.ToArray(), all[layer.Name].Bias.ToArray());
        _weights = Vgg16Weights.FromArrays(arrays, weightsPath);
        _backend = new CpuBackend(_weights, threads);
        _input = new Tensor(Program.Input(batch), batch, 224, 224, 3);
    }

    public void Forward() => _output = _backend!.Forward(_input!);
    public float[] LastOutput() => _output!.Data;
    public void Dispose() { _backend?.Dispose(); _weights?.Dispose(); }
}

/// <summary>ONNX Runtime 1.31 (MLAS) on the model torch.onnx.export wrote: IntraOpNumThreads = threads, sequential, all graph optimizations.</summary>
internal sealed class OrtPeer(string onnxDir, int threads) : IPeer
{
    private InferenceSession? _session;
    private OrtValue? _input;
    private float[] _inputData = Array.Empty<float>();
    private float[] _output = Array.Empty<float>();
    private readonly RunOptions _run = new();
    private bool _full;

    public void Load(bool full, int batch)
    {
        _session?.Dispose(); _input?.Dispose();
        _full = full;
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(Path.Combine(onnxDir, full ? "vgg16_full.onnx" : "vgg16_notop.onnx"), options);
        float[] nhwc = Program.Input(batch);   // same values as the engine's input, transposed to NCHW
        _inputData = new float[nhwc.Length];
        for (int n = 0; n < batch; n++)
        for (int y = 0; y < 224; y++)
        for (int x = 0; x < 224; x++)
        for (int c = 0; c < 3; c++)
            _inputData[((n * 3 + c) * 224 + y) * 224 + x] = nhwc[((n * 224 + y) * 224 + x) * 3 + c];
        _input = OrtValue.CreateTensorValueFromMemory(_inputData, new long[] { batch, 3, 224, 224 });
    }

    public void Forward()
    {
        using var outputs = _session!.Run(_run, new[] { "input" }, new[] { _input! }, new[] { "output" });
        var span = outputs[0].GetTensorDataAsSpan<float>();
        if (_output.Length != span.Length) _output = new float[span.Length];
        span.CopyTo(_output);
    }

    public float[] LastOutput()
    {
        if (_full) return _output;
        int n = _output.Length / (512 * 49), c = 512, hw = 49; // NCHW → NHWC
        var nhwc = new float[_output.Length];
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) for (int p = 0; p < hw; p++)
            nhwc[(i * hw + p) * c + ch] = _output[(i * c + ch) * hw + p];
        return nhwc;
    }

    public void Dispose() { _session?.Dispose(); _input?.Dispose(); _run.Dispose(); }
}
