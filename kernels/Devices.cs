using System.Runtime.InteropServices;
using CnnEngine.Backends;
using CnnEngine.Backends.Cpu;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model;

namespace CnnEngine.Kernels;

/// <summary>
/// A device the engine can run on. Id is what --device takes: "cpu", "cuda:0", "opencl:0", "ilgpu-cpu".
/// <see cref="Unusable"/> is set, with the reason, for a device ILGPU sees but cannot run on (e.g. pocl: no generic
/// address space); it is listed rather than hidden.
/// </summary>
public sealed record DeviceInfo(string Id, string Name, string Backend, string Details, string? Unusable = null);

/// <summary>
/// Device listing and selection for the CLIs: <c>--device auto|cpu|cuda[:N]|opencl[:N]|ilgpu-cpu</c>, <c>--list-devices</c>.
/// </summary>
public static class Devices
{
    /// <summary>Every device: the CPU engine first, then what ILGPU sees (CUDA, OpenCL, its CPU accelerator).</summary>
    public static IReadOnlyList<DeviceInfo> List() => List(out _);

    /// <param name="notes">Backends that found nothing, and why (no driver, no loader).</param>
    public static IReadOnlyList<DeviceInfo> List(out IReadOnlyList<string> notes)
    {
        var list = new List<DeviceInfo>
        {
            new("cpu", CpuName(), "CPU", $"CnnEngine SIMD engine, {Environment.ProcessorCount} threads"),
        };
        var gpus = DeviceCatalog.List();
        foreach (var d in gpus) list.Add(new DeviceInfo(d.Id, d.Name, d.Backend, d.Details, d.Unusable));
        notes = DeviceCatalog.Notes(gpus);
        return list;
    }

    /// <summary>True for the ids of devices that run the kernels of kernels/Ops (everything but the CPU engine).</summary>
    public static bool IsKernelDevice(string id) =>
        id.StartsWith("cuda", StringComparison.Ordinal) || id.StartsWith("opencl", StringComparison.Ordinal) || id == DeviceCatalog.EmulatorId;

    /// <summary>
    /// Opens a backend. <c>cpu</c> is the CPU engine; <c>cuda[:N]</c>, <c>opencl[:N]</c>, <c>ilgpu-cpu</c> that device,
    /// failing with a <see cref="DeviceException"/> (one clear line) if it cannot; <c>auto</c> prefers CUDA, then an
    /// OpenCL GPU, then the CPU, and if the chosen device fails — at open or later during a forward — warns once
    /// through <paramref name="warn"/> and continues on the CPU.
    /// </summary>
    /// <param name="convKernel">Conv rung: naive, tiled, regblock, winograd; null picks the device's default.</param>
    public static IForwardBackend Open(string spec, Vgg16Weights weights, Action<string> warn, string? convKernel = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(warn);
        string s = (spec ?? "auto").Trim().ToLowerInvariant();
        ConvRung? rung = string.IsNullOrWhiteSpace(convKernel) ? null : ConvRungs.Parse(convKernel, ConvRung.Winograd);
        if (s == "cpu") return new CpuBackend(weights);
        if (s == "auto") return OpenAuto(weights, warn, rung);
        var device = OpenDevice(s, spec ?? "");
        return new GpuBackend(device, weights, rung ?? DefaultRung(device));
    }

    /// <summary>Opens the kernel device a spec names (not <c>cpu</c> or <c>auto</c>).</summary>
    public static GpuDevice OpenDevice(string spec) => OpenDevice((spec ?? "").Trim().ToLowerInvariant(), spec ?? "");

    private static GpuDevice OpenDevice(string s, string original)
    {
        if (s == DeviceCatalog.EmulatorId) return DeviceCatalog.OpenEmulator();
        foreach (string kind in new[] { "cuda", "opencl" })
        {
            int index = -1;
            if (s == kind) index = 0;
            else if (s.StartsWith(kind + ":", StringComparison.Ordinal) &&
                     int.TryParse(s.AsSpan(kind.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i))
                index = i;
            if (index >= 0) return kind == "cuda" ? DeviceCatalog.OpenCuda(index) : DeviceCatalog.OpenOpenCl(index);
        }
        throw new DeviceException($"unknown device '{original}': use auto, cpu, cuda[:N], opencl[:N] or ilgpu-cpu (see --list-devices)");
    }

    private static IForwardBackend OpenAuto(Vgg16Weights weights, Action<string> warn, ConvRung? rung) =>
        AutoDevice.Open<IForwardBackend>(device => new GpuBackend(device, weights, rung ?? DefaultRung(device)), () => new CpuBackend(weights),
            (gpu, cpu, w) => new FallbackBackend(gpu, cpu, w), warn);

    /// <summary>GPU deconvnet ops on a kernel device (the CPU has its own SIMD ops in engine/Ops).</summary>
    public static Deconv.IDeconvOps OpenDeconvOps(string spec, Vgg16Weights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new Deconv.GpuDeconvOps(OpenDevice(spec), weights);
    }

    /// <summary>
    /// The rung a device runs when none is asked for: Winograd on a GPU (fewest multiplies); on the emulator regblock,
    /// which needs no barriers — the emulator pays dearly for each one (docs/kernels.md).
    /// </summary>
    public static ConvRung DefaultRung(GpuDevice device) => device.IsEmulator ? ConvRung.RegBlock : ConvRung.Winograd;

    /// <summary>The most device memory <paramref name="backend"/> held at once, or null when it does not run on a kernel device.</summary>
    public static long? PeakDeviceBytes(IForwardBackend backend) => backend switch
    {
        GpuBackend g => g.Device.PeakBytes,
        FallbackBackend { Current: GpuBackend g } => g.Device.PeakBytes,
        _ => null,
    };

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
    private readonly DeviceFallback<IForwardBackend> _fallback;

    public FallbackBackend(IForwardBackend gpu, Func<IForwardBackend> cpu, Action<string> warn)
    {
        _fallback = new DeviceFallback<IForwardBackend>(gpu, cpu, warn, b => b.DeviceId);
    }

    public string DeviceId => Current.DeviceId;
    public string DeviceName => Current.DeviceName;
    public Vgg16Weights Weights => Current.Weights;
    public bool FellBack => _fallback.FellBack;
    /// <summary>The backend forwards run on now: the GPU's, or the CPU engine after a fallback.</summary>
    public IForwardBackend Current => _fallback.Current;

    public CnnEngine.Tensors.Tensor Forward(CnnEngine.Tensors.Tensor input, CnnEngine.Taps.ILayerTap? tap = null) =>
        _fallback.Forward(input, tap, (b, x, t) => b.Forward(x, t));

    public void Dispose() => Current.Dispose();
}
