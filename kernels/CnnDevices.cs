using CnnEngine.Backends.Model;
using CnnEngine.Kernels.Backends;
using CnnEngine.Kernels.Compute;
using CnnEngine.Model.Cnn;
using CnnEngine.Tensors;
using CnnEngine.Taps;

namespace CnnEngine.Kernels;

/// <summary>
/// Device selection for a user's own CNN, the same <c>--device auto|cpu|cuda[:N]|opencl[:N]|ilgpu-cpu</c> rules as
/// <see cref="Devices.Open"/> for VGG16: <c>cpu</c> is <see cref="CnnCpuBackend"/>; a named kernel device runs
/// <see cref="GpuCnnBackend"/> or fails with one clear <see cref="DeviceException"/>; <c>auto</c> prefers CUDA, then an
/// OpenCL GPU, then the CPU, and falls back to the CPU (one warning) when the device fails at open or mid-run.
/// </summary>
public static class CnnDevices
{
    public static ICnnBackend Open(string spec, CnnModel model, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(warn);
        string s = (spec ?? "auto").Trim().ToLowerInvariant();
        if (s == "cpu") return new CnnCpuBackend(model);
        if (s != "auto") return new GpuCnnBackend(Devices.OpenDevice(spec ?? ""), model);

        string? id = DeviceCatalog.List().FirstOrDefault(d => d.Backend == "CUDA")?.Id ?? DeviceCatalog.FirstUsableOpenClGpu();
        if (id is null) return new CnnCpuBackend(model);
        try
        {
            return new CnnFallbackBackend(new GpuCnnBackend(Devices.OpenDevice(id), model), () => new CnnCpuBackend(model), warn);
        }
        catch (DeviceException e)
        {
            warn($"warning: {id} could not be used ({Devices.FirstLine(e.Message)}); running on the CPU");
            return new CnnCpuBackend(model);
        }
    }
}

/// <summary>
/// What <c>--device auto</c> returns for a GPU and an own model: forwards run on the GPU until one fails with a
/// <see cref="DeviceException"/>; then one warning, the GPU is closed, and this and every later forward run on the CPU
/// (the counterpart of <see cref="FallbackBackend"/>).
/// </summary>
public sealed class CnnFallbackBackend : ICnnBackend
{
    private ICnnBackend _current;
    private readonly Func<ICnnBackend> _cpu;
    private readonly Action<string> _warn;
    private bool _fellBack;

    public CnnFallbackBackend(ICnnBackend gpu, Func<ICnnBackend> cpu, Action<string> warn)
    {
        _current = gpu; _cpu = cpu; _warn = warn;
    }

    public string DeviceId => _current.DeviceId;
    public string DeviceName => _current.DeviceName;
    public CnnModel Model => _current.Model;
    public bool FellBack => _fellBack;
    public ICnnBackend Current => _current;

    public Tensor Forward(Tensor input, ILayerTap? tap = null)
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
