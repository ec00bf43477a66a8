using System.Runtime.InteropServices;
using CnnEngine.Backends;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;

namespace CnnEngine.Kernels;

/// <summary>A device the engine can run on. Id is what --device takes: "cpu", "opencl:0", "cuda:0".</summary>
public sealed record DeviceInfo(string Id, string Name, string Backend, string Details);

/// <summary>
/// Device listing and selection for the CLIs: <c>--device auto|cpu|opencl[:N]|cuda[:N]</c>, <c>--list-devices</c>.
/// </summary>
public static class Devices
{
    /// <summary>Every device: the CPU engine first, then OpenCL devices, then CUDA devices.</summary>
    public static IReadOnlyList<DeviceInfo> List()
    {
        var list = new List<DeviceInfo>
        {
            new("cpu", CpuName(), "CPU", $"CnnEngine CPU engine, {Environment.ProcessorCount} threads"),
        };
        foreach (var d in OpenClDiscovery.Devices)
            list.Add(new DeviceInfo($"opencl:{d.Index}", $"{d.Name} ({d.PlatformName})", "OpenCL",
                $"{(d.IsGpu ? "GPU" : d.IsCpu ? "CPU" : "accelerator")}, {d.ComputeUnits} compute units, {d.GlobalMemory / (1 << 20)} MiB, {d.Version}, driver {d.Driver}"));
        foreach (var d in CudaDiscovery.Devices)
            list.Add(new DeviceInfo($"cuda:{d.Index}", d.Name, "CUDA",
                $"compute {d.ComputeMajor}.{d.ComputeMinor}, {d.Multiprocessors} SMs, {d.TotalMemory / (1 << 20)} MiB"));
        return list;
    }

    /// <summary>
    /// Opens a backend. <c>cpu</c> is the CPU engine; <c>opencl[:N]</c> / <c>cuda[:N]</c> that device, failing with a
    /// <see cref="DeviceException"/> (one clear line) if it cannot; <c>auto</c> prefers CUDA, then an OpenCL GPU,
    /// then the CPU, and if the chosen device fails — at open or later during a forward — warns once through
    /// <paramref name="warn"/> and continues on the CPU.
    /// </summary>
    /// <param name="convKernel">Conv rung: naive, tiled, regblock, winograd; null picks the device's best.</param>
    public static IForwardBackend Open(string spec, Vgg16Weights weights, Action<string> warn, string? convKernel = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(warn);
        string s = (spec ?? "auto").Trim().ToLowerInvariant();
        ConvRung? rung = string.IsNullOrWhiteSpace(convKernel) ? null : ConvRungs.Parse(convKernel, ConvRung.Winograd);
        if (s == "cpu") return new CpuBackend(weights);
        if (s == "auto") return OpenAuto(weights, warn, rung);
        var (kind, index) = ParseSpec(s, spec ?? "");
        return kind == "cuda" ? new CudaBackend(index, weights, rung) : new OpenClBackend(index, weights, rung);
    }

    private static (string Kind, int Index) ParseSpec(string s, string original)
    {
        foreach (string kind in new[] { "opencl", "cuda" })
        {
            if (s == kind) return (kind, 0);
            if (s.StartsWith(kind + ":", StringComparison.Ordinal) &&
                int.TryParse(s.AsSpan(kind.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                return (kind, index);
        }
        throw new DeviceException($"unknown device '{original}': use auto, cpu, opencl[:N] or cuda[:N] (see --list-devices)");
    }

    private static IForwardBackend OpenAuto(Vgg16Weights weights, Action<string> warn, ConvRung? rung)
    {
        Func<IForwardBackend>? open = null;
        string? id = null;
        if (CudaDiscovery.Devices.Count > 0) { id = "cuda:0"; open = () => new CudaBackend(0, weights, rung); }
        else if (OpenClDiscovery.Devices.FirstOrDefault(d => d.IsGpu) is { } gpu) { id = $"opencl:{gpu.Index}"; open = () => new OpenClBackend(gpu.Index, weights, rung); }
        if (open is null) return new CpuBackend(weights);
        try
        {
            return new FallbackBackend(open(), () => new CpuBackend(weights), warn);
        }
        catch (DeviceException e)
        {
            warn($"warning: {id} could not be used ({FirstLine(e.Message)}); running on the CPU");
            return new CpuBackend(weights);
        }
    }

    /// <summary>GPU deconvnet ops on <c>opencl[:N]</c> or <c>cuda[:N]</c> (the CPU has its own SIMD ops in engine/Ops).</summary>
    public static Deconv.IDeconvOps OpenDeconvOps(string spec, Vgg16Weights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var (kind, index) = ParseSpec((spec ?? "").Trim().ToLowerInvariant(), spec ?? "");
        return new Deconv.GpuDeconvOps(kind == "cuda" ? new CudaDevice(index) : new OpenClDevice(index), weights);
    }

    /// <summary>The rung a device runs when none is asked for: the fastest we measured on that kind of device.</summary>
    internal static ConvRung DefaultRung(IComputeDevice device) => ConvRung.Winograd;

    internal static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static string CpuName()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString() + " CPU";
    }
}

/// <summary>
/// What <c>--device auto</c> returns for a GPU: forwards run on the GPU until one fails with a
/// <see cref="DeviceException"/>; then one warning, the GPU is closed, and this and every later forward run on the CPU.
/// </summary>
public sealed class FallbackBackend : IForwardBackend
{
    private IForwardBackend _current;
    private readonly Func<IForwardBackend> _cpu;
    private readonly Action<string> _warn;
    private bool _fellBack;

    public FallbackBackend(IForwardBackend gpu, Func<IForwardBackend> cpu, Action<string> warn)
    {
        _current = gpu; _cpu = cpu; _warn = warn;
    }

    public string DeviceId => _current.DeviceId;
    public string DeviceName => _current.DeviceName;
    public Vgg16Weights Weights => _current.Weights;
    public bool FellBack => _fellBack;

    public CnnEngine.Tensors.Tensor Forward(CnnEngine.Tensors.Tensor input, CnnEngine.Taps.ILayerTap? tap = null)
    {
        if (_fellBack) return _current.Forward(input, tap);
        try
        {
            return _current.Forward(input, tap);
        }
        catch (DeviceException e)
        {
            _warn($"warning: {_current.DeviceId} failed ({Devices.FirstLine(e.Message)}); falling back to the CPU");
            try { _current.Dispose(); } catch (DeviceException) { }
            _current = _cpu();
            _fellBack = true;
            return _current.Forward(input, tap);
        }
    }

    public void Dispose() => _current.Dispose();
}
