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

        return AutoDevice.Open<ICnnBackend>(device => new GpuCnnBackend(device, model), () => new CnnCpuBackend(model),
            (gpu, cpu, w) => new CnnFallbackBackend(gpu, cpu, w), warn);
    }
}

/// <summary>
/// What <c>--device auto</c> returns for a GPU and an own model: forwards run on the GPU until one fails with a
/// <see cref="DeviceException"/>; then one warning, the GPU is closed, and this and every later forward run on the CPU
/// (the counterpart of <see cref="FallbackBackend"/>).
/// </summary>
public sealed class CnnFallbackBackend : ICnnBackend
{
    private readonly DeviceFallback<ICnnBackend> _fallback;

    public CnnFallbackBackend(ICnnBackend gpu, Func<ICnnBackend> cpu, Action<string> warn)
    {
        _fallback = new DeviceFallback<ICnnBackend>(gpu, cpu, warn, b => b.DeviceId);
    }

    public string DeviceId => Current.DeviceId;
    public string DeviceName => Current.DeviceName;
    public CnnModel Model => Current.Model;
    public bool FellBack => _fallback.FellBack;
    public ICnnBackend Current => _fallback.Current;

    public Tensor Forward(Tensor input, ILayerTap? tap = null) => _fallback.Forward(input, tap, (b, x, t) => b.Forward(x, t));

    public void Dispose() => Current.Dispose();
}
